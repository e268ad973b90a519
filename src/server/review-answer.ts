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
