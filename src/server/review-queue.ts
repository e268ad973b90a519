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
 * kernel's socket buffers, holds what waits: how long each review waited is known. One that
 * waited too long to be answered in time if planned is shed (see PLAN_QUEUE).
 *
 * Why not shed sooner, as CoDel sheds packets once a queue stands: 50 clients taking turns keep
 * a queue standing on a busy core with every review still answered in tens of milliseconds, and
 * a pod admitted untuned although it could have been tuned in time is the worse surprise.
 */
export class ReviewQueue {
  #waiting: Waiting[] = [];
  #head = 0;
  #scheduled = false;

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
      const late = now >= next.shedAt || this.length >= PLAN_QUEUE.maxReviews;
      this.#settle(next, late ? now - next.queuedAt : undefined);
      now = this.now();
    }
    this.#compact();
    this.#scheduled = this.length > 0;
    if (this.#scheduled) setImmediate(() => this.#drain());
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
