import { PLAN_QUEUE } from "./limits.js";
import type { ReviewAnswer } from "./review-answer.js";

/** How a queued review is answered: planned, or (with how long it waited) shed. */
export interface Queued {
  plan(): ReviewAnswer;
  shed(waitedMs: number): ReviewAnswer;
}

interface Waiting {
  review: Queued;
  queuedAt: number;
  /** Still waiting at this time, it is shed rather than planned. */
  shedAt: number;
  /** Whether its client is gone, so there is nobody to answer. */
  gone(): boolean;
  resolve(answer: ReviewAnswer | undefined): void;
  reject(error: unknown): void;
}

/**
 * Small reviews wait here to be planned on the event loop, first come first served. Planning
 * runs in slices (PLAN_QUEUE.sliceMs), each followed by a turn of the event loop, so new requests
 * are read, handshakes done and probes answered while a burst is planned, and the queue, not the
 * kernel's socket buffers, holds what waits: how long each review waited is known. While the
 * queue stands, and for any review that waited too long, reviews are shed (see PLAN_QUEUE).
 *
 * Why shed rather than only queue within the deadline: the apiserver sends at most so many
 * reviews at once and the rest wait on its side, unseen here, so a queue that only keeps the
 * deadline would plan at one core's pace while the pods behind wait longer and longer.
 */
export class ReviewQueue {
  #waiting: Waiting[] = [];
  #head = 0;
  #scheduled = false;
  /** Since when every review has waited over the target at its turn. */
  #standingSince: number | undefined;
  #shedding = false;
  #lastShed = -Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {}

  get length(): number {
    return this.#waiting.length - this.#head;
  }

  /**
   * Queues `review` to be answered by `deadline` (in the clock's time); resolves with its answer,
   * or with undefined when its client left before its turn.
   */
  answer(review: Queued, deadline: number, gone: () => boolean): Promise<ReviewAnswer | undefined> {
    const queuedAt = this.now();
    const shedAt = queuedAt + Math.min(PLAN_QUEUE.maxWaitMs, (deadline - queuedAt) / 2);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ review, queuedAt, shedAt, gone, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#drain());
      }
    });
  }

  #drain(): void {
    let now = this.now();
    const sliceEnd = now + PLAN_QUEUE.sliceMs;
    while (this.length > 0 && now < sliceEnd) {
      const next = this.#waiting[this.#head]!;
      this.#waiting[this.#head++] = undefined as unknown as Waiting;
      this.#settle(next, this.#shedsAfter(next, now));
      now = this.now();
    }
    this.#compact();
    // An empty queue ends the overload: a later slow review starts a new second of standing.
    if (this.length === 0) {
      this.#standingSince = undefined;
      this.#shedding = false;
    }
    this.#scheduled = this.length > 0;
    if (this.#scheduled) setImmediate(() => this.#drain());
  }

  /**
   * How long `waiting` waited if it is to be shed now, else undefined (it is planned). A queue
   * that stands again within an interval of the last shed is the same overload: shedding resumes
   * at once.
   */
  #shedsAfter(waiting: Waiting, now: number): number | undefined {
    const waited = now - waiting.queuedAt;
    if (now >= waiting.shedAt || this.length >= PLAN_QUEUE.maxReviews)
      return this.#shed(now, waited);
    if (waited <= PLAN_QUEUE.targetWaitMs) {
      this.#standingSince = undefined;
      this.#shedding = false;
      return undefined;
    }
    this.#standingSince ??= now;
    const recent = now - this.#lastShed < PLAN_QUEUE.intervalMs;
    if (recent || now - this.#standingSince >= PLAN_QUEUE.intervalMs) this.#shedding = true;
    return this.#shedding ? this.#shed(now, waited) : undefined;
  }

  #shed(now: number, waited: number): number {
    this.#lastShed = now;
    return waited;
  }

  /** Plans `review`, or sheds it when it `waited` too long; its client learns either way. */
  #settle(waiting: Waiting, waitedMs: number | undefined): void {
    if (waiting.gone()) {
      waiting.resolve(undefined);
      return;
    }
    try {
      const { review } = waiting;
      waiting.resolve(waitedMs === undefined ? review.plan() : review.shed(waitedMs));
    } catch (error) {
      waiting.reject(error);
    }
  }

  // Answered entries are dropped in one go rather than shifted one by one.
  #compact(): void {
    if (this.#head > 1024 || this.#head === this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}
