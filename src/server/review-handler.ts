import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Place, ReviewSummary } from "../admission/admit.js";
import { InvalidReviewError } from "../admission/validate.js";
import { readBody, refusalBeforeBody, type Body } from "./body.js";
import type { ServerContext } from "./context.js";
import { answerWithinMs } from "./deadline.js";
import { answerBeforeBodyEnds } from "./early-answer.js";
import { INLINE_BODY_BYTES, RETRY_AFTER_SECONDS } from "./limits.js";
import type { RequestOutcome } from "./metrics.js";
import { answerBytes, answerReview, shedReview, type ReviewAnswer } from "./review-answer.js";
import { HttpError, writeJsonBytes, sendStatus } from "./status.js";

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

/** How often, at most, meshtune logs that it is shedding reviews. */
const SHED_WARNING_INTERVAL_MS = 10_000;

/** When a server last warned that it sheds reviews. */
interface ShedWarning {
  at: number;
}

/**
 * One log line and the metrics for an answered review. Shed reviews (overload) are logged at
 * debug, with one warning every 10 s while it lasts: a line per review is what a CPU with no
 * time to spare can least afford.
 */
function record(
  context: ServerContext,
  summary: ReviewSummary,
  started: number,
  warned: ShedWarning,
): void {
  const profile = summary.profile ?? "none";
  count(context, summary.outcome, started, profile, summary.dryRun);
  if (summary.operations > 0) context.metrics.patchOperations.inc({ profile }, summary.operations);
  const { error, ...fields } = summary;
  const line = { ...fields, duration_ms: Math.round(elapsedSeconds(started) * 1e6) / 1e3 };
  if (summary.outcome === "shed") {
    context.logger.debug(line, "review");
    if (started - warned.at >= SHED_WARNING_INTERVAL_MS) {
      warned.at = started;
      context.logger.warn(
        { reason: summary.skipped },
        'overloaded: answering reviews unplanned (allowed, unchanged) until it catches up; see meshtune_admission_requests_total{outcome="shed"}',
      );
    }
  } else if (error === undefined) {
    context.logger.info(line, "review");
  } else {
    context.logger.error(
      { ...line, err: error },
      "planning failed; answered as onInternalError says",
    );
  }
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

/** When and how a review must be answered. */
interface Due {
  /** performance.now() time by which the answer must be out. */
  at: number;
  withinMs: number;
  signal: AbortSignal;
  /** Whether the client is gone, so there is nobody to answer. */
  gone: () => boolean;
}

/**
 * Small bodies are answered on the event loop, in turn (the review queue); large ones on the
 * review thread. Undefined when the client left before its review's turn.
 */
function answer(
  context: ServerContext,
  place: Place,
  body: Body,
  due: Due,
): Promise<ReviewAnswer | undefined> {
  if (body.bytes.length <= INLINE_BODY_BYTES) {
    const text = body.bytes.toString("utf8");
    const review = {
      plan: () => answerReview(text, context.config(), place),
      shed: (waitedMs: number) => shedReview(text, context.config(), waitedMs),
    };
    return context.reviewQueue.answer(review, due.at, due.gone);
  }
  const late = () =>
    new HttpError(
      503,
      `meshtune could not answer within ${Math.round(due.withinMs)} ms; retry in ${RETRY_AFTER_SECONDS} s`,
    );
  const answered = context.reviewThread.answer(body.bytes, context.config(), place);
  return unlessAborted(answered, due.signal, late);
}

/**
 * POST /mutate: body → AdmissionReview → admit → answer, with a log line and metrics, within
 * the time the apiserver's `timeout` leaves (see deadline.ts). The handler for pods of Istio
 * ambient namespaces (POST /mutate/ambient) says so to admit.
 */
export function reviewHandler(
  context: ServerContext,
  ambientNamespace = false,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const warned: ShedWarning = { at: -Infinity };
  const place: Place = { ownNamespace: context.ownNamespace, ambientNamespace };
  return async (req, res) => {
    const started = performance.now();
    const withinMs = answerWithinMs(req.url, context.requestTimeoutMs);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), withinMs);
    context.metrics.inFlight.inc();
    res.once("close", () => {
      clearTimeout(timer);
      context.metrics.inFlight.dec();
    });
    let body: Body | undefined;
    try {
      const refusal = refusalBeforeReview(context, req);
      if (refusal) throw refusal;
      body = await readBody(req, context.budget, deadline.signal, withinMs);
      const gone = () => req.socket.destroyed;
      const due = { at: started + withinMs, withinMs, signal: deadline.signal, gone };
      const answered = await answer(context, place, body, due);
      if (answered === undefined) return;
      writeJsonBytes(res, 200, answerBytes(answered.answer));
      record(context, answered.summary, started, warned);
    } catch (error) {
      if (!res.headersSent) refuse(context, req, res, error, started);
    } finally {
      body?.release();
    }
  };
}
