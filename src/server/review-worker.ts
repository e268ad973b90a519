import { parentPort } from "node:worker_threads";
import type { Place } from "../admission/admit.js";
import { InvalidReviewError } from "../admission/validate.js";
import type { Config } from "../config/schema.js";
import { jsonShape } from "../parse/json.js";
import { REVIEW_THREAD } from "./limits.js";
import { answerReview, type ReviewAnswer } from "./review-answer.js";
import { HttpError } from "./status.js";

// The review thread's entry point: it answers large bodies, one at a time, off the event loop.

export interface ReviewJob {
  id: number;
  body: Uint8Array;
  config: Config;
  /** Where the pod is created beyond the review: meshtune's namespace, an ambient namespace. */
  place: Place;
}

export type JobResult = { id: number } & (
  ({ ok: true } & ReviewAnswer) | { ok: false; status: number; message: string }
);

/** Refuses bodies whose parse alone would take more memory than this thread has. */
function checkShape(text: string): void {
  const { maxDepth, maxValues } = REVIEW_THREAD;
  const shape = jsonShape(text, maxDepth, maxValues);
  if (shape.depth > maxDepth) {
    throw new HttpError(
      400,
      `the body nests over ${maxDepth} levels deep; an AdmissionReview for a pod never does`,
    );
  }
  if (shape.values > maxValues) {
    throw new HttpError(
      413,
      `the body holds over ${maxValues} JSON values; an AdmissionReview for a pod never does`,
    );
  }
}

function run({ id, body, config, place }: ReviewJob): JobResult {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  try {
    checkShape(text);
    return { id, ok: true, ...answerReview(text, config, place) };
  } catch (error) {
    if (error instanceof HttpError)
      return { id, ok: false, status: error.status, message: error.message };
    if (error instanceof InvalidReviewError)
      return { id, ok: false, status: 400, message: error.message };
    throw error;
  }
}

parentPort?.on("message", (job: ReviewJob) => parentPort?.postMessage(run(job)));
