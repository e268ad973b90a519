import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { postJson } from "../../src/cli/https-client.js";
import {
  BODY_BUDGET_BYTES,
  INLINE_BODY_BYTES,
  MAX_BODY_BYTES,
  REVIEW_THREAD,
  SMALL_BODY_RESERVE_BYTES,
} from "../../src/server/limits.js";
import { fixturePod } from "../fixtures/load.js";
import { eventually, metricValue, scrape, startHarness, type Harness } from "./harness.js";
import { postHead, rawConnection, readResponse, writeBytes } from "./raw-client.js";

const MIB = 1024 * 1024;
let harness: Harness;
let port: number;
const sockets: TLSSocket[] = [];

beforeAll(async () => {
  harness = await startHarness({ requestTimeoutMs: 20_000 });
  port = Number(new URL(harness.url).port);
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await harness.server.shutdown();
});

async function connection(): Promise<TLSSocket> {
  const socket = await rawConnection(port, harness.ca);
  sockets.push(socket);
  return socket;
}

const vllm = () => podCreationReview(fixturePod("vllm-deployment"), { uid: "real-vllm" });
const post = (body: unknown) => postJson(`${harness.url}/mutate`, body, { ca: harness.ca });

describe("a body declared over the limit", () => {
  it("is refused before the upload when the client asks to continue: 413 and never 100 Continue", async () => {
    const socket = await connection();
    socket.write(postHead(8 * MIB, { Expect: "100-continue" }));
    const response = await readResponse(socket);
    expect(response.statusLines).toEqual(["HTTP/1.1 413 Payload Too Large"]);
    expect(JSON.parse(response.body).message).toBe(
      `the body is ${8 * MIB} bytes, over the limit of ${MAX_BODY_BYTES} bytes; an AdmissionReview is never this large`,
    );
  });

  // Issue 11: one 8 MB POST in six got no 413: the connection closed while curl was still
  // sending, and the reset that closing with unread data causes can discard an unread answer.
  // This client reads nothing until it has sent everything, the worst case.
  it("gets its 413 while it is still being sent, every time", async () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const socket = await connection();
      socket.pause();
      socket.write(postHead(8 * MIB));
      await writeBytes(socket, 8 * MIB);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const response = readResponse(socket);
      socket.resume();
      await expect(response).resolves.toMatchObject({
        status: 413,
        headers: { connection: "close" },
      });
    }
  });

  it("gets its 413 when it streams past the limit without a length", async () => {
    const socket = await connection();
    socket.write(postHead(undefined));
    const response = readResponse(socket);
    const chunk = Buffer.alloc(MIB, " ");
    for (let sent = 0; sent <= MAX_BODY_BYTES && !socket.destroyed; sent += chunk.length) {
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write("\r\n");
    }
    await expect(response).resolves.toMatchObject({ status: 413 });
  });
});

describe("the budget for bodies in memory", () => {
  it("answers 429 with Retry-After at once when large bodies fill it, and keeps room for real reviews", async () => {
    const large = 3 * MIB;
    const held = Math.floor((BODY_BUDGET_BYTES - SMALL_BODY_RESERVE_BYTES) / large);
    for (let index = 0; index < held; index++) {
      const socket = await connection();
      socket.write(postHead(large + MIB));
      await writeBytes(socket, large);
    }
    await eventually(async () =>
      expect(
        metricValue(await scrape(harness), "meshtune_request_body_bytes_held"),
      ).toBeGreaterThanOrEqual(held * large),
    );

    const refused = await connection();
    refused.write(postHead(2 * MIB, { Expect: "100-continue" }));
    const answer = await readResponse(refused);
    expect(answer).toMatchObject({ status: 429, headers: { "retry-after": "1" } });
    expect(JSON.parse(answer.body).message).toBe(
      "meshtune holds as many request bodies as its memory allows; retry in 1 s",
    );

    const real = await post(vllm());
    expect(real.status).toBe(200);
    expect(JSON.parse(real.body).response).toMatchObject({ uid: "real-vllm", allowed: true });

    for (const socket of sockets.splice(0)) socket.destroy();
    await eventually(async () =>
      expect(metricValue(await scrape(harness), "meshtune_request_body_bytes_held")).toBe(0),
    );
  });
});

describe("large reviews, planned on the review thread", () => {
  it("are answered as small ones are", async () => {
    const review = vllm();
    const small = JSON.parse((await post(review)).body);
    const pod = review.request.object as { metadata: { labels: Record<string, string> } };
    pod.metadata.labels["padding"] = "x".repeat(60);
    for (let index = 0; index < 3000; index++) pod.metadata.labels[`team-${index}`] = "ml";
    expect(JSON.stringify(review).length).toBeGreaterThan(INLINE_BODY_BYTES);
    const large = await post(review);
    expect(large.status).toBe(200);
    expect(JSON.parse(large.body)).toEqual(small);
  });

  it("refuse a body of more JSON values than the thread has memory for", async () => {
    const body = `{"kind":"AdmissionReview","junk":[${"0,".repeat(REVIEW_THREAD.maxValues)}0]}`;
    const response = await post(body);
    expect([response.status, JSON.parse(response.body).message]).toEqual([
      413,
      `the body holds over ${REVIEW_THREAD.maxValues} JSON values; an AdmissionReview for a pod never does`,
    ]);
  });

  it("refuse a body nested deeper than a pod review ever is", async () => {
    const deep = "[".repeat(200) + "]".repeat(200);
    const body = `{"kind":"AdmissionReview","junk":${deep},"pad":"${"x".repeat(INLINE_BODY_BYTES)}"}`;
    const response = await post(body);
    expect([response.status, JSON.parse(response.body).message]).toEqual([
      400,
      `the body nests over ${REVIEW_THREAD.maxDepth} levels deep; an AdmissionReview for a pod never does`,
    ]);
  });
});
