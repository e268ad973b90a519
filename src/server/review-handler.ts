import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { admit, type ReviewSummary } from "../admission/admit.js";
import { InvalidReviewError, readReview } from "../admission/validate.js";
import { readJsonBody } from "./body.js";
import type { ServerContext } from "./context.js";
import type { RequestOutcome } from "./metrics.js";
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

function requireClientCertificate(context: ServerContext, req: IncomingMessage): void {
  if (!context.requireClientCert) return;
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) {
    const sent = Object.keys(socket.getPeerCertificate()).length > 0;
    const why = sent
      ? `the one sent fails verification: ${String(socket.authorizationError)}`
      : "none was sent";
    throw new HttpError(
      401,
      `a client certificate signed by the configured client CA is required (${why})`,
    );
  }
}

function refuse(
  context: ServerContext,
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
  // The rest of an oversized body is not worth reading: end the connection after the answer.
  if (status === 413) res.setHeader("Connection", "close");
  sendStatus(res, status, message);
  count(context, status === 401 ? "unauthorized" : status >= 500 ? "error" : "invalid", started);
  context.logger.warn({ status, reason: message }, "review refused");
}

function timedOut(context: ServerContext, res: ServerResponse, started: number): void {
  if (res.headersSent) return;
  res.setHeader("Connection", "close");
  const message = `the review did not arrive within ${context.requestTimeoutMs} ms`;
  sendStatus(res, 408, message);
  count(context, "timeout", started);
  context.logger.warn({ status: 408, reason: message }, "review timed out");
}

/**
 * POST /mutate: body → AdmissionReview → admit → answer, with a log line and metrics. The
 * handler for pods of Istio ambient namespaces (POST /mutate/ambient) says so to admit.
 */
export function reviewHandler(
  context: ServerContext,
  ambientNamespace = false,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const started = performance.now();
    const timer = setTimeout(() => timedOut(context, res, started), context.requestTimeoutMs);
    context.metrics.inFlight.inc();
    res.once("close", () => {
      clearTimeout(timer);
      context.metrics.inFlight.dec();
    });
    try {
      requireClientCertificate(context, req);
      const review = readReview(await readJsonBody(req));
      if (res.headersSent) return; // answered by the timeout meanwhile
      const { ownNamespace } = context;
      const place = { ownNamespace, ambientNamespace };
      const { review: answer, summary } = admit(review, context.config(), place);
      writeJson(res, 200, answer);
      record(context, summary, started);
    } catch (error) {
      if (!res.headersSent) refuse(context, res, error, started);
    }
  };
}
