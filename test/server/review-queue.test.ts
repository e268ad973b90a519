import { describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { loadConfig, DEFAULT_CONFIG_PATH } from "../../src/config/load.js";
import { PLAN_QUEUE } from "../../src/server/limits.js";
import { answerReview, shedReview, type ReviewAnswer } from "../../src/server/review-answer.js";
import { ReviewQueue, type Queued } from "../../src/server/review-queue.js";
import { fixturePod } from "../fixtures/load.js";

// The queue with the real planner and a clock the test moves: planning a review "takes" as long
// as the test says, so waits are exact.

const config = loadConfig(DEFAULT_CONFIG_PATH);
const review = (uid: string) =>
  JSON.stringify(podCreationReview(fixturePod("vllm-deployment"), { uid }));

const SECOND = 1000;

/**
 * A queue whose clock is `clock.now`, and `queued(text)`: a review for it whose planning moves
 * the clock by `planMs`.
 */
function queueWith(planMs: number) {
  const clock = { now: 0 };
  const planned: string[] = [];
  const queue = new ReviewQueue(() => clock.now);
  const queued = (text: string): Queued => ({
    plan: () => {
      clock.now += planMs;
      const answer = answerReview(text, config);
      planned.push(answer.summary.uid);
      return answer;
    },
    shed: (waitedMs) => shedReview(text, config, waitedMs),
  });
  return { queue, clock, planned, queued };
}

const here = () => false;
const outcome = (answer: ReviewAnswer | undefined) => answer?.summary.outcome;

describe("ReviewQueue", () => {
  it("plans reviews in the order they arrived", async () => {
    const { queue, planned, queued } = queueWith(0.2);
    const answers = await Promise.all(
      ["a", "b", "c"].map((uid) => queue.answer(queued(review(uid)), 4 * SECOND, here)),
    );
    expect(planned).toEqual(["a", "b", "c"]);
    expect(answers.map(outcome)).toEqual(["patched", "patched", "patched"]);
    expect(answers.map((a) => a?.answer.response.uid)).toEqual(["a", "b", "c"]);
  });

  it("does not plan a review whose client has gone", async () => {
    const { queue, planned, queued } = queueWith(0.2);
    const answer = await queue.answer(queued(review("gone")), 4 * SECOND, () => true);
    expect(answer).toBeUndefined();
    expect(planned).toEqual([]);
  });

  it("answers a review unplanned once it waited half the time it had left", async () => {
    const { queue, clock, queued } = queueWith(0.2);
    const late = queue.answer(queued(review("late")), 100, here);
    clock.now = 50;
    const answer = await late;
    expect(outcome(answer)).toBe("shed");
    expect(answer?.answer.response).toEqual({
      uid: "late",
      allowed: true,
      warnings: [
        "meshtune: overloaded: admitted untuned rather than late (waited 50 ms behind other pods); recreate it to tune it",
      ],
    });
  });

  it("lets no review wait longer than maxWaitMs, however long it has", async () => {
    const { queue, clock, queued } = queueWith(0.2);
    const waiting = queue.answer(queued(review("patient")), 30 * SECOND, here);
    clock.now = PLAN_QUEUE.maxWaitMs;
    expect(outcome(await waiting)).toBe("shed");
  });

  it("plans a whole burst that the queue works through within the interval", async () => {
    // 400 reviews of 2 ms each: the last waits 798 ms, and the queue stood for less than 1 s.
    const { queue, queued } = queueWith(2);
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        queue.answer(queued(review(`burst-${i}`)), 4 * SECOND, here),
      ),
    );
    expect(new Set(answers.map(outcome))).toEqual(new Set(["patched"]));
  });

  it("plans every review of clients taking turns, when each waits less than the target", async () => {
    // 40 clients, each sending its next review when the last is answered: a queue that never
    // empties, each review waiting 40 ms of 1 ms plans.
    const { queue, queued } = queueWith(1);
    const outcomes: (string | undefined)[] = [];
    const client = async (id: number) => {
      for (let n = 0; n < 60; n++) {
        const answer = await queue.answer(queued(review(`c${id}-${n}`)), 1e9, here);
        outcomes.push(outcome(answer));
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, id) => client(id)));
    expect(outcomes.length).toBe(2400);
    expect(new Set(outcomes)).toEqual(new Set(["patched"]));
  });

  it("under overload, plans for the interval, then answers unplanned what waits over the target, keeping up", async () => {
    // Planning takes 2 ms and a review arrives every 1 ms: twice what the queue can plan.
    // Arrivals are queued between the queue's slices, as requests are read between them.
    const { queue, clock, queued } = queueWith(2);
    const waits: Promise<{ outcome?: string; arrived: number; waitedMs: number }>[] = [];
    while (clock.now < 3000) {
      while (waits.length <= clock.now) {
        const arrived = clock.now;
        waits.push(
          queue
            .answer(queued(review(`r${waits.length}`)), arrived + 4 * SECOND, here)
            .then((answer) => ({
              outcome: outcome(answer),
              arrived,
              waitedMs: clock.now - arrived,
            })),
        );
      }
      const before = clock.now;
      await new Promise((resolve) => setImmediate(resolve));
      if (clock.now === before) clock.now += 1;
    }
    const answered = await Promise.all(waits);
    const shed = answered.filter((a) => a.outcome === "shed");
    expect(answered.every((a) => a.outcome === "patched" || a.outcome === "shed")).toBe(true);
    // The queue stood from about 100 ms on; for the interval after that, all were planned.
    const firstShed = answered.findIndex((a) => a.outcome === "shed");
    expect(firstShed).toBeGreaterThanOrEqual(500);
    expect(shed.length).toBeGreaterThan(answered.length / 4);
    // Once it sheds, it keeps up: what arrives later waits about the target, no more.
    const later = answered.filter((a) => a.arrived > 2000);
    const longest = Math.max(...later.map((a) => a.waitedMs));
    expect(longest).toBeLessThanOrEqual(PLAN_QUEUE.targetWaitMs + PLAN_QUEUE.sliceMs + 2);
    // Nobody waited past the hard limit.
    expect(Math.max(...answered.map((a) => a.waitedMs))).toBeLessThanOrEqual(PLAN_QUEUE.maxWaitMs);

    // Once the queue has emptied, the next review waits nothing and is planned.
    expect(queue.length).toBe(0);
    expect(outcome(await queue.answer(queued(review("after")), clock.now + 4 * SECOND, here))).toBe(
      "patched",
    );
  });

  it("forgets an overload once it has emptied: a slow review much later is planned, not shed", async () => {
    // A burst whose reviews wait over the target for over a second turns shedding on.
    const { queue, clock, queued } = queueWith(60);
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        queue.answer(queued(review(`b${i}`)), clock.now + 30 * SECOND, here),
      ),
    );
    expect(burst.map(outcome)).toContain("shed");
    expect(queue.length).toBe(0);
    // A minute later one review waits 60 ms for its turn (the event loop was busy elsewhere).
    clock.now += 60 * SECOND;
    const later = queue.answer(queued(review("later")), clock.now + 4 * SECOND, here);
    clock.now += 60;
    expect(outcome(await later)).toBe("patched");
  });

  it("plans in slices, so the event loop turns during a burst", async () => {
    const { queue, queued } = queueWith(1);
    const order: string[] = [];
    const answers = Array.from({ length: 20 }, (_, i) =>
      queue
        .answer(queued(review(`s${i}`)), 4 * SECOND, here)
        .then(() => order.push(`answered ${i}`)),
    );
    setImmediate(() => order.push("another request's turn"));
    await Promise.all(answers);
    const turn = order.indexOf("another request's turn");
    expect(turn).toBeGreaterThan(0);
    expect(turn).toBeLessThan(order.length - 1);
    expect(turn).toBeLessThanOrEqual(Math.ceil(PLAN_QUEUE.sliceMs) + 1);
  });

  it("rejects only the review whose planning failed", async () => {
    const { queue, queued } = queueWith(0);
    const [bad, good] = await Promise.allSettled([
      queue.answer(queued("{not json"), 4 * SECOND, here),
      queue.answer(queued(review("good")), 4 * SECOND, here),
    ]);
    expect(bad.status).toBe("rejected");
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ status: 400 });
    expect(good).toMatchObject({ status: "fulfilled", value: { summary: { outcome: "patched" } } });
  });
});
