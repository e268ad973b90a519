import { admit, shed, type Place, type ReviewSummary } from "../admission/admit.js";
import type { AdmissionReviewResponse } from "../admission/review.js";
import { readReview } from "../admission/validate.js";
import type { Config } from "../config/schema.js";
import { parseJsonBody } from "./body.js";

export interface ReviewAnswer {
  answer: AdmissionReviewResponse;
  summary: ReviewSummary;
}

/**
 * A review body (decoded) in, its answer out: parse, validate, admit. Throws HttpError or
 * InvalidReviewError for bodies meshtune cannot answer. Runs on the event loop for small bodies
 * and on the review thread for large ones.
 */
export function answerReview(text: string, config: Config, place: Place = {}): ReviewAnswer {
  const { review, summary } = admit(readReview(parseJsonBody(text)), config, place);
  return { answer: review, summary };
}

/** The answer to a review that waited `waitedMs` and has no time left to be planned. */
export function shedReview(text: string, config: Config, waitedMs: number): ReviewAnswer {
  const { review, summary } = shed(readReview(parseJsonBody(text)), config, waitedMs);
  return { answer: review, summary };
}

const PATCH_KEY = Buffer.from(',"patch":"');
const CLOSE = Buffer.from('"}}');

/**
 * The answer's JSON, as bytes. Its base64 patch is most of it and has nothing to escape, so it is
 * joined in as bytes rather than scanned by JSON.stringify and encoded again: that cost as much
 * CPU as planning the pod (`npm run bench`).
 */
export function answerBytes(answer: AdmissionReviewResponse): Buffer {
  const { patch, ...response } = answer.response;
  const text = JSON.stringify({ ...answer, response });
  if (patch === undefined) return Buffer.from(text);
  // The text ends with the braces closing the response and the review: the patch goes before.
  const head = Buffer.from(text.slice(0, -2));
  return Buffer.concat([head, PATCH_KEY, Buffer.from(patch, "latin1"), CLOSE]);
}
