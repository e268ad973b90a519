import { Agent } from "node:https";
import type { Socket } from "node:net";
import { connect } from "node:tls";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { generateCA } from "../../src/certs/generate.js";
import { postJson } from "../../src/cli/https-client.js";
import { fixturePod } from "../fixtures/load.js";
import {
  eventually,
  LOOPBACK,
  loopbackCerts,
  metricValue,
  scrape,
  startHarness,
  writeMountedVolume,
  writeTls,
  type Harness,
  type ServingCerts,
} from "./harness.js";

const CLIENTS = 50;
const ROTATIONS = 4;
const caA = generateCA({ commonName: "rotation-ca-a" });
const caB = generateCA({ commonName: "rotation-ca-b" });
// During a CA rotation the caBundle holds both CAs, as the apiserver's would.
const trusted = [caA.cert, caB.cert];
const pod = fixturePod("vllm-deployment");

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ certs: loopbackCerts(caA), watchIntervalMs: 250 });
});
afterAll(() => harness.server.shutdown());

/** The fingerprint of the certificate a new connection is shown. */
function servedFingerprint(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: LOOPBACK, port: harness.server.port, ca: trusted, servername: "localhost" },
      () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      },
    );
    socket.on("error", reject);
  });
}

const fingerprintOf = (certs: ServingCerts) =>
  new X509Certificate(certs.serving.cert).fingerprint256;

interface Client {
  ok: number;
  failures: string[];
  sockets: Set<Socket>;
}

/** Sends reviews one after another until `running()` is false; keep-alive clients reuse one connection. */
async function runClient(
  index: number,
  keepAlive: boolean,
  running: () => boolean,
): Promise<Client> {
  const agent = keepAlive ? new Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
  const client: Client = { ok: 0, failures: [], sockets: new Set() };
  agent?.on("free", (socket: Socket) => client.sockets.add(socket));
  for (let n = 0; running(); n++) {
    const uid = `client-${index}-${n}`;
    try {
      const response = await postJson(`${harness.url}/mutate`, podCreationReview(pod, { uid }), {
        ca: trusted,
        agent: agent ?? false,
      });
      const answer = JSON.parse(response.body);
      // 50 clients can overload one busy core, and an answer given early, unplanned, is right
      // then: what this test is about is the certificate each connection gets.
      const warnings = (answer.response.warnings ?? []) as string[];
      const shed = warnings.some((warning) => warning.startsWith("meshtune: overloaded:"));
      if (
        response.status === 200 &&
        answer.response.uid === uid &&
        (answer.response.patchType === "JSONPatch" || shed)
      )
        client.ok++;
      else client.failures.push(`${uid}: ${response.status} ${response.body.slice(0, 200)}`);
    } catch (error) {
      client.failures.push(`${uid}: ${(error as Error).message}`);
    }
  }
  agent?.destroy();
  return client;
}

describe("certificate rotation under load", () => {
  it(`serves each new certificate while ${CLIENTS} clients send reviews, failing none and dropping no connection`, async () => {
    let running = true;
    const clients = Array.from({ length: CLIENTS }, (_, index) =>
      runClient(index, index % 2 === 0, () => running),
    );
    const served: string[] = [];
    for (let rotation = 0; rotation < ROTATIONS; rotation++) {
      const next = loopbackCerts(rotation % 2 === 0 ? caB : caA);
      writeTls(harness.tlsDir, next);
      await eventually(async () => expect(await servedFingerprint()).toBe(fingerprintOf(next)));
      served.push(fingerprintOf(next));
    }
    running = false;
    const results = await Promise.all(clients);

    expect(results.flatMap((client) => client.failures)).toEqual([]);
    expect(results.every((client) => client.ok > 0)).toBe(true);
    const keptAlive = results.filter((_, index) => index % 2 === 0);
    expect(keptAlive.map((client) => client.sockets.size)).toEqual(keptAlive.map(() => 1));
    expect(new Set(served).size).toBe(ROTATIONS);
    expect(
      metricValue(await scrape(harness), "meshtune_tls_reloads_total", { result: "success" }),
    ).toBe(ROTATIONS + 1);
  });

  it("keeps serving the old certificate while the new files do not form a pair, and takes them once they do", async () => {
    const before = await servedFingerprint();
    const next = loopbackCerts(caA);
    const other = loopbackCerts(caA);
    writeMountedVolume(harness.tlsDir, {
      "tls.crt": next.serving.cert,
      "tls.key": other.serving.key,
      "ca.crt": caA.cert,
    });
    await eventually(() =>
      expect(
        harness.logs.some(
          (line) =>
            line.msg.startsWith("cannot load the serving certificate") &&
            String(line.problem).includes("is not the key of"),
        ),
      ).toBe(true),
    );
    expect(await servedFingerprint()).toBe(before);
    expect(
      metricValue(await scrape(harness), "meshtune_tls_reloads_total", { result: "failure" }),
    ).toBe(1);
    const response = await postJson(`${harness.url}/mutate`, podCreationReview(pod), {
      ca: trusted,
    });
    expect(response.status).toBe(200);

    writeTls(harness.tlsDir, next);
    await eventually(async () => expect(await servedFingerprint()).toBe(fingerprintOf(next)));
    expect(metricValue(await scrape(harness), "meshtune_tls_certificate_not_after_seconds")).toBe(
      new Date(new X509Certificate(next.serving.cert).validTo).getTime() / 1000,
    );
  });
});
