import { Agent, request } from "node:https";
import type { Socket } from "node:net";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { fixturePod } from "../fixtures/load.js";
import { startHarness, type Harness } from "./harness.js";

// An answer over the socket's high-water mark goes out in pieces below it (see writeJson): one
// write that size left the socket needing drain, and a next request meeting that moment made Node
// 20 drop the connection (the apiserver's Go client read EOF; test/e2e/rotation.test.ts met it in
// every run). Node's own client never sends its next request in that moment, so these tests pin
// what the pieces must keep: whole answers, and the connection kept for the next review.

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.server.shutdown();
});

interface Answer {
  bytes: number;
  uid: string;
  connection: string | undefined;
  highWaterMark: number;
  socket: Socket;
}

function review(pod: V1Pod, agent: Agent, uid: string): Promise<Answer> {
  const body = JSON.stringify(podCreationReview(pod, { uid }));
  return new Promise<Answer>((resolve, reject) => {
    const call = request(
      `${harness.url}/mutate`,
      { method: "POST", ca: harness.ca, agent, headers: { "Content-Type": "application/json" } },
      (res) => {
        const socket = res.socket;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks);
          const answer = JSON.parse(text.toString("utf8")) as { response: { uid: string } };
          resolve({
            bytes: text.length,
            uid: answer.response.uid,
            connection: res.headers.connection,
            highWaterMark: socket.writableHighWaterMark,
            socket,
          });
        });
      },
    );
    call.once("error", reject);
    call.end(body);
  });
}

/** `count` reviews of `pod`, one after another over one kept-alive connection. */
async function reviewsInARow(pod: V1Pod, count: number): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const answers: Answer[] = [];
    for (let n = 0; n < count; n++) answers.push(await review(pod, agent, `review-${n}`));
    return answers;
  } finally {
    agent.destroy();
  }
}

/** The vLLM pod with three model servers in it: three warmup hooks, an answer over 16 KB. */
function threeServers(): V1Pod {
  const pod = fixturePod("vllm-deployment");
  const [server] = pod.spec!.containers;
  pod.spec!.containers = [0, 1, 2].map((i) => ({
    ...structuredClone(server!),
    name: `vllm-${i}`,
    args: [...(server!.args ?? []), "--port", String(8000 + i)],
  }));
  return pod;
}

describe("an answer larger than the socket's high-water mark", () => {
  it("arrives whole, review after review, on one kept-alive connection", async () => {
    const answers = await reviewsInARow(threeServers(), 20);
    expect(answers[0]!.bytes).toBeGreaterThan(answers[0]!.highWaterMark);
    expect(answers.map(({ uid }) => uid)).toEqual(answers.map((_, n) => `review-${n}`));
    expect(new Set(answers.map(({ connection }) => connection))).toEqual(new Set(["keep-alive"]));
    expect(new Set(answers.map(({ socket }) => socket)).size).toBe(1);
  });

  it("is answered as a small one is: the connection stays for the next review", async () => {
    const answers = await reviewsInARow(fixturePod("web-cpu-pod"), 3);
    expect(answers[0]!.bytes).toBeLessThan(answers[0]!.highWaterMark);
    expect(new Set(answers.map(({ socket }) => socket)).size).toBe(1);
  });
});
