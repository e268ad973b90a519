import { Agent } from "node:https";
import { createConnection } from "node:net";
import { connect, type TLSSocket } from "node:tls";
import { podCreationReview } from "../../../src/admission/request.js";
import { postJson } from "../../../src/cli/https-client.js";
import { MAX_BODY_BYTES } from "../../../src/server/limits.js";
import { fixturePod } from "../../fixtures/load.js";
import { LOOPBACK } from "../harness.js";
import { postHead, rawConnection, readResponse } from "../raw-client.js";

/** Where an attack goes. */
export interface Target {
  port: number;
  url: string;
  ca: string;
}

/** How many times each outcome happened: HTTP statuses, resets, closes. */
export type Tally = Record<string, number>;

export interface Attack {
  /** Resolves once every attacker has its first connection open: the attack is in full swing. */
  ready: Promise<void>;
  /** Stops the attack and closes everything it opened. */
  stop(): Promise<Tally>;
}

/** What one attacker's loop is told: whether to go on, and where to say it got connected. */
interface Attacker {
  live(): boolean;
  connected(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function outcomeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error as Error).message.slice(0, 40);
}

/** `concurrency` loops each running `once` until stopped; every result is tallied. */
function loop(concurrency: number, once: (attacker: Attacker) => Promise<string>): Attack {
  const tally: Tally = {};
  let running = true;
  let connected = 0;
  let isReady = () => {};
  const ready = new Promise<void>((resolve) => (isReady = resolve));
  const workers = Array.from({ length: concurrency }, async () => {
    let first = true;
    const attacker: Attacker = {
      live: () => running,
      connected: () => {
        if (!first) return;
        first = false;
        connected++;
        if (connected === concurrency) isReady();
      },
    };
    while (running) {
      const outcome = await once(attacker).catch(outcomeOf);
      // An attacker that never says it connected counts as connected once it has an outcome.
      attacker.connected();
      tally[outcome] = (tally[outcome] ?? 0) + 1;
    }
  });
  return {
    ready,
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return tally;
    },
  };
}

/** Writes all of `body`, or as much as the server takes before it closes. */
function writeAll(socket: TLSSocket, body: Buffer): Promise<void> {
  return new Promise((resolve) => {
    let offset = 0;
    const step = 64 * 1024;
    const next = () => {
      while (offset < body.length && !socket.destroyed) {
        const piece = body.subarray(offset, offset + step);
        offset += piece.length;
        if (!socket.write(piece)) return void socket.once("drain", next);
      }
      resolve();
    };
    socket.once("close", () => resolve());
    next();
  });
}

/** One request on a new connection; its answer's status, or how the connection failed. */
async function rawRequest(
  target: Target,
  head: string,
  body: Buffer,
  attacker: Attacker,
): Promise<string> {
  const socket = await rawConnection(target.port, target.ca);
  attacker.connected();
  try {
    const answer = readResponse(socket);
    socket.write(head);
    void writeAll(socket, body);
    return String((await answer).status);
  } finally {
    socket.destroy();
  }
}

export function vllmReview(uid: string, annotations: Record<string, string> = {}) {
  const pod = fixturePod("vllm-deployment");
  pod.metadata!.annotations = { ...pod.metadata!.annotations, ...annotations };
  return podCreationReview(pod, { uid });
}

/** Pod annotations nested, or sized, far past what meshtune parses (issue 11, item 1). */
const NESTED_ANNOTATIONS: Record<string, string>[] = [
  { "proxy.istio.io/config": '{"a":'.repeat(30_000) + "1" + "}".repeat(30_000) },
  { "proxy.istio.io/config": "[".repeat(100_000) + "1" + "]".repeat(100_000) },
  { "proxy.istio.io/config": "- ".repeat(100_000) + "x" },
  {
    "proxy.istio.io/config": Array.from({ length: 40 }, (_, i) => `${" ".repeat(i)}k:`).join("\n"),
  },
  { "proxy.istio.io/config": "a: b\n".repeat(50_000) },
  { "meshtune.dev/warmup": "[".repeat(100_000) + "]".repeat(100_000) },
];

export function nestedAnnotations(target: Target, concurrency: number): Attack {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const bodies = NESTED_ANNOTATIONS.map((annotations, index) =>
    JSON.stringify(vllmReview(`nested-${index}`, annotations)),
  );
  let next = 0;
  const attack = loop(concurrency, async () => {
    const body = bodies[next++ % bodies.length]!;
    const response = await postJson(`${target.url}/mutate`, body, { ca: target.ca, agent });
    return String(response.status);
  });
  return { ready: attack.ready, stop: () => attack.stop().finally(() => agent.destroy()) };
}

/** Valid JSON that is no AdmissionReview, exactly at the body limit (issue 11, item 2). */
export function junkBodies(target: Target, concurrency: number): Attack {
  const values = "1,".repeat(MAX_BODY_BYTES / 2 - 2);
  const body = Buffer.alloc(MAX_BODY_BYTES, " ");
  body.write(`[${values}1]`);
  return loop(concurrency, (attacker) => rawRequest(target, postHead(body.length), body, attacker));
}

/** Connections that send their headers a few bytes at a time and never finish them. */
export function slowHeaders(target: Target, connections: number): Attack {
  return loop(connections, async (attacker) => {
    const socket = await rawConnection(target.port, target.ca);
    attacker.connected();
    const closed = new Promise<string>((resolve) => socket.once("close", () => resolve("closed")));
    socket.write("POST /mutate HTTP/1.1\r\nHost: localhost\r\n");
    while (attacker.live() && !socket.destroyed) {
      socket.write("X-Slow: 1\r\n");
      await sleep(200);
    }
    socket.destroy();
    return closed;
  });
}

/** Connections that declare a body and send it a few bytes at a time; half small, half large. */
export function slowBodies(target: Target, connections: number): Attack {
  let count = 0;
  return loop(connections, async (attacker) => {
    const socket = await rawConnection(target.port, target.ca);
    attacker.connected();
    const answer = readResponse(socket).then(
      (response) => String(response.status),
      () => "closed",
    );
    socket.write(postHead(count++ % 2 === 0 ? 16 * 1024 : 1024 * 1024));
    while (attacker.live() && !socket.destroyed && socket.writable) {
      socket.write('{"padding":"' + "x".repeat(64));
      await Promise.race([sleep(200), answer]);
    }
    socket.destroy();
    return answer;
  });
}

/** `count` TLS connections that complete their handshake and then say nothing. */
export async function idleConnections(target: Target, count: number): Promise<Attack> {
  const sockets: TLSSocket[] = [];
  const tally: Tally = { opened: 0, "closed by meshtune": 0, failed: 0 };
  let session: Buffer | undefined;
  const open = () =>
    new Promise<void>((resolve) => {
      const socket = connect(
        { host: LOOPBACK, port: target.port, ca: target.ca, servername: "localhost", session },
        () => {
          tally.opened!++;
          resolve();
        },
      );
      // Resumed sessions make 10,000 handshakes affordable for the attacker, as they would be.
      socket.once("session", (ticket: Buffer) => (session ??= ticket));
      socket.once("error", () => {
        tally.failed!++;
        resolve();
      });
      socket.once("close", () => {
        if (!stopping) tally["closed by meshtune"]!++;
      });
      sockets.push(socket);
    });
  let stopping = false;
  const parallel = 64;
  for (let started = 0; started < count; started += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, count - started) }, open));
  }
  return {
    ready: Promise.resolve(),
    stop: () => {
      stopping = true;
      for (const socket of sockets) socket.destroy();
      return Promise.resolve(tally);
    },
  };
}

/** Bodies cut off by a TCP reset after their first MiB. */
export function resetsMidBody(target: Target, concurrency: number): Attack {
  const first = Buffer.alloc(1024 * 1024, " ");
  return loop(concurrency, async (attacker) => {
    const tcp = createConnection({ host: LOOPBACK, port: target.port });
    const socket = await rawConnection(target.port, target.ca, tcp);
    attacker.connected();
    socket.write(postHead(3 * 1024 * 1024));
    await new Promise<void>((resolve) => socket.write(first, () => resolve()));
    tcp.resetAndDestroy();
    return "reset";
  });
}

/** A real review with bytes that are no UTF-8 in an annotation, and in a header. */
export function invalidUtf8(target: Target, concurrency: number): Attack {
  const text = JSON.stringify(vllmReview("bad-utf8", { "example.com/note": "@@BAD@@" }));
  const [before, after] = text.split("@@BAD@@") as [string, string];
  const garbage = Buffer.from([0xff, 0xfe, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf8, 0x88]);
  const body = Buffer.concat([Buffer.from(before), garbage, Buffer.from(after)]);
  const head = postHead(body.length, { "X-Note": "\u00ff\u00fe" });
  const headBytes = Buffer.from(head, "latin1");
  return loop(concurrency, (attacker) =>
    rawRequest(target, "", Buffer.concat([headBytes, body]), attacker),
  );
}

/** Requests with thousands of headers: past the header size limit, and just within it. */
export function manyHeaders(target: Target, concurrency: number): Attack {
  const body = Buffer.from(JSON.stringify(vllmReview("many-headers")));
  const headers = (count: number) =>
    Object.fromEntries(Array.from({ length: count }, (_, index) => [`x${index}`, "1"]));
  const heads = [postHead(body.length, headers(5000)), postHead(body.length, headers(1500))];
  let next = 0;
  return loop(concurrency, (attacker) => rawRequest(target, heads[next++ % 2]!, body, attacker));
}
