import { Agent, request } from "node:https";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { fixturePod } from "../fixtures/load.js";
import { startHarness, type Harness } from "./harness.js";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.server.shutdown();
});

interface Answer {
  bytes: number;
  connection: string | undefined;
  highWaterMark: number;
  /** Whether the server closed the connection after the answer. */
  closed: boolean;
}

/** Sends `pod`'s review over a kept-alive connection and reports how the answer came back. */
function review(pod: V1Pod): Promise<Answer> {
  const body = JSON.stringify(podCreationReview(pod));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise<Answer>((resolve, reject) => {
    const call = request(
      `${harness.url}/mutate`,
      { method: "POST", ca: harness.ca, agent, headers: { "Content-Type": "application/json" } },
      (res) => {
        const socket = res.socket;
        let closed = false;
        socket.once("close", () => (closed = true));
        let bytes = 0;
        res.on("data", (chunk: Buffer) => (bytes += chunk.length));
        res.on("end", () => {
          // A connection the server closes is gone within moments; one kept alive stays open.
          setTimeout(
            () =>
              resolve({
                bytes,
                connection: res.headers.connection,
                highWaterMark: socket.writableHighWaterMark,
                closed,
              }),
            200,
          );
        });
      },
    );
    call.once("error", reject);
    call.end(body);
  }).finally(() => agent.destroy());
}

describe("an answer larger than the socket's high-water mark", () => {
  it("closes its connection after it, so no next request meets Node's paused parser", async () => {
    const answer = await review(fixturePod("vllm-deployment"));
    expect(answer.bytes).toBeGreaterThanOrEqual(answer.highWaterMark);
    expect(answer.connection).toBe("close");
    expect(answer.closed).toBe(true);
  });

  it("is the only kind that does: a small answer keeps the connection for the next review", async () => {
    const answer = await review(fixturePod("web-cpu-pod"));
    expect(answer.bytes).toBeLessThan(answer.highWaterMark);
    expect(answer.connection).toBe("keep-alive");
    expect(answer.closed).toBe(false);
  });
});
