import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Place, ReviewSummary } from "../admission/admit.js";
import { InvalidReviewError } from "../admission/validate.js";
import { readBody, refusalBeforeBody, type Body } from "./body.js";
import type { ServerContext } from "./context.js";
import { answerBeforeBodyEnds } from "./early-answer.js";
import { INLINE_BODY_BYTES, RETRY_AFTER_SECONDS } from "./limits.js";
import type { RequestOutcome } from "./metrics.js";
import { answerReview, type ReviewAnswer } from "./review-answer.js";
import { HttpError, writeJson, sendStatus } from "./status.js";

function elapsedSeconds(started: number): number {
  return (performance.now() - started) / 1000;
}

function count(
  context: ServerContext,
  outcome: RequestOutcome,
  started: number,
  profile = "none",
  dryRun = false,
): void {
  context.metrics.requests.inc({ outcome, profile, dry_run: String(dryRun) });
  context.metrics.duration.observe({ outcome }, elapsedSeconds(started));
}

/** One log line and the metrics for an answered review. */
function record(context: ServerContext, summary: ReviewSummary, started: number): void {
  const profile = summary.profile ?? "none";
  count(context, summary.outcome, started, profile, summary.dryRun);
  if (summary.operations > 0) context.metrics.patchOperations.inc({ profile }, summary.operations);
  const { error, ...fields } = summary;
  const line = { ...fields, duration_ms: Math.round(elapsedSeconds(started) * 1e6) / 1e3 };
  if (error === undefined) context.logger.info(line, "review");
  else
    context.logger.error(
      { ...line, err: error },
      "planning failed; answered as onInternalError says",
    );
}

function clientCertificateProblem(
  context: ServerContext,
  req: IncomingMessage,
): HttpError | undefined {
  if (!context.requireClientCert) return undefined;
  const socket = req.socket as TLSSocket;
  if (socket.authorized) return undefined;
  const sent = Object.keys(socket.getPeerCertificate()).length > 0;
  const why = sent
    ? `the one sent fails verification: ${String(socket.authorizationError)}`
    : "none was sent";
  return new HttpError(
    401,
    `a client certificate signed by the configured client CA is required (${why})`,
  );
}

/**
 * Why a review must be refused before its body is read, or undefined. Also used for
 * `Expect: 100-continue`, so a refused client never sends the body at all.
 */
export function refusalBeforeReview(
  context: ServerContext,
  req: IncomingMessage,
): HttpError | undefined {
  return clientCertificateProblem(context, req) ?? refusalBeforeBody(req, context.budget);
}

function outcomeOf(status: number): RequestOutcome {
  if (status === 401) return "unauthorized";
  if (status === 408) return "timeout";
  if (status === 429) return "overloaded";
  return status >= 500 ? "error" : "invalid";
}

function refuse(
  context: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  started: number,
): void {
  let status = 500;
  let message = "meshtune failed to answer this review; see its logs";
  if (error instanceof HttpError || error instanceof InvalidReviewError) {
    status = error instanceof HttpError ? error.status : 400;
    message = error.message;
  } else {
    context.logger.error({ err: error }, "unexpected error while serving a review");
  }
  const retry = status === 429 || status === 503;
  if (req.complete) {
    if (retry) res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
    sendStatus(res, status, message);
  } else {
    answerBeforeBodyEnds(
      req,
      res,
      status,
      message,
      retry ? { "Retry-After": RETRY_AFTER_SECONDS } : {},
    );
  }
  count(context, outcomeOf(status), started);
  context.logger.warn({ status, reason: message }, "review refused");
}

/** Rejects with `error` when `signal` aborts first. */
function unlessAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  error: () => Error,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(error());
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Small bodies are answered on the event loop; large ones on the review thread. */
function answer(
  context: ServerContext,
  place: Place,
  body: Body,
  signal: AbortSignal,
): Promise<ReviewAnswer> {
  if (body.bytes.length <= INLINE_BODY_BYTES) {
    return Promise.resolve(answerReview(body.bytes.toString("utf8"), context.config(), place));
  }
  const late = () =>
    new HttpError(
      503,
      `meshtune could not answer within ${context.requestTimeoutMs} ms; retry in ${RETRY_AFTER_SECONDS} s`,
    );
  const answered = context.reviewThread.answer(body.bytes, context.config(), place);
  return unlessAborted(answered, signal, late);
}

/**
 * POST /mutate: body → AdmissionReview → admit → answer, with a log line and metrics. The
 * handler for pods of Istio ambient namespaces (POST /mutate/ambient) says so to admit.
 */
export function reviewHandler(
  context: ServerContext,
  ambientNamespace = false,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const place: Place = { ownNamespace: context.ownNamespace, ambientNamespace };
  return async (req, res) => {
    const started = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), context.requestTimeoutMs);
    context.metrics.inFlight.inc();
    res.once("close", () => {
      clearTimeout(timer);
      context.metrics.inFlight.dec();
    });
    let body: Body | undefined;
    try {
      const refusal = refusalBeforeReview(context, req);
      if (refusal) throw refusal;
      body = await readBody(req, context.budget, deadline.signal, context.requestTimeoutMs);
      const { answer: review, summary } = await answer(context, place, body, deadline.signal);
      writeJson(res, 200, review);
      record(context, summary, started);
    } catch (error) {
      if (!res.headersSent) refuse(context, req, res, error, started);
    } finally {
      body?.release();
    }
  };
}
