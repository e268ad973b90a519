import { Worker } from "node:worker_threads";
import type { Place } from "../admission/admit.js";
import type { Config } from "../config/schema.js";
import { REVIEW_THREAD, RETRY_AFTER_SECONDS } from "./limits.js";
import type { ReviewAnswer } from "./review-answer.js";
import type { JobResult, ReviewJob } from "./review-worker.js";
import { HttpError } from "./status.js";

interface Pending {
  resolve(answer: ReviewAnswer): void;
  reject(error: Error): void;
}

function unavailable(why: string): HttpError {
  return new HttpError(503, `meshtune's review thread ${why}; retry in ${RETRY_AFTER_SECONDS} s`);
}

/**
 * A worker thread that answers large review bodies, one at a time, so that parsing and planning
 * them never blocks the event loop. Its heap is capped (REVIEW_THREAD): a body that would need
 * more stops the thread, not the process; the thread is started again for the next body.
 */
export class ReviewThread {
  #worker: Worker | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 0;
  #deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly script: URL,
    /** How long one body may take; past it the thread is stopped and started again. */
    private readonly timeoutMs: number,
  ) {}

  /** Answers `body` on the thread; HttpError 429 when too many bodies already wait for it. */
  answer(body: Buffer, config: Config, place: Place): Promise<ReviewAnswer> {
    if (this.#pending.size >= REVIEW_THREAD.queue) {
      return Promise.reject(
        new HttpError(
          429,
          `${REVIEW_THREAD.queue} large reviews are already waiting; retry in ${RETRY_AFTER_SECONDS} s`,
        ),
      );
    }
    const worker = (this.#worker ??= this.#start());
    const id = this.#nextId++;
    const job: ReviewJob = { id, body, config, place };
    const transferable = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) this.#arm();
      worker.postMessage(job, transferable ? [body.buffer as ArrayBuffer] : []);
    });
  }

  /** Stops the thread; bodies still waiting are answered 503. */
  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#fail(unavailable("is stopping"));
    await worker?.terminate();
  }

  #start(): Worker {
    const worker = new Worker(this.script, {
      resourceLimits: {
        maxOldGenerationSizeMb: REVIEW_THREAD.maxOldGenerationSizeMb,
        maxYoungGenerationSizeMb: REVIEW_THREAD.maxYoungGenerationSizeMb,
      },
    });
    worker.unref();
    worker.on("message", (result: JobResult) => this.#settle(result));
    worker.on("error", (error: Error) => {
      if (this.#worker === worker) this.#fail(unavailable(`stopped: ${error.message}`));
    });
    worker.on("exit", () => {
      if (this.#worker === worker) this.#fail(unavailable("stopped"));
    });
    return worker;
  }

  /** One deadline at a time, for the body the thread is on (they are answered in order). */
  #arm(): void {
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => {
      const worker = this.#worker;
      this.#fail(unavailable(`took over ${this.timeoutMs} ms on one body and was restarted`));
      void worker?.terminate();
    }, this.timeoutMs);
    this.#deadline.unref();
  }

  #settle(result: JobResult): void {
    const pending = this.#pending.get(result.id);
    this.#pending.delete(result.id);
    if (this.#pending.size > 0) this.#arm();
    else clearTimeout(this.#deadline);
    if (!pending) return;
    if (result.ok) pending.resolve({ answer: result.answer, summary: result.summary });
    else pending.reject(new HttpError(result.status, result.message));
  }

  /** Forgets the thread and answers every waiting body with `error`. */
  #fail(error: HttpError): void {
    clearTimeout(this.#deadline);
    this.#worker = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const each of pending) each.reject(error);
  }
}
