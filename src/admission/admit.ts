import type { V1Pod } from "@kubernetes/client-node";
import type { Config } from "../config/schema.js";
import { mutatePod } from "../engine.js";
import { explain } from "../policy/decision.js";
import type { Target } from "../policy/pod.js";
import type {
  AdmissionRequest,
  AdmissionResponse,
  AdmissionReviewRequest,
  AdmissionReviewResponse,
} from "./review.js";
import { admissionWarning } from "./warnings.js";

/**
 * What became of a review: patched, planned with nothing to change (unchanged), left alone by
 * policy (skipped), not a pod creation (ignored), failed inside meshtune (error), or answered
 * unplanned because it waited too long for its turn (shed).
 */
export type Outcome = "patched" | "unchanged" | "skipped" | "ignored" | "error" | "shed";

/** What happened, for the log line and metrics. Never the object itself: it may hold secrets. */
export interface ReviewSummary {
  uid: string;
  operation: string;
  kind: string;
  namespace?: string;
  name?: string;
  generateName?: string;
  dryRun: boolean;
  outcome: Outcome;
  allowed: boolean;
  profile?: string;
  /** Why the pod was left alone, when it was. */
  skipped?: string;
  decisions: string[];
  operations: number;
  /** The exception planning threw, for outcome "error". */
  error?: Error;
}

export interface Admission {
  review: AdmissionReviewResponse;
  summary: ReviewSummary;
}

function isPodCreation(request: AdmissionRequest): boolean {
  return (
    request.kind.kind === "Pod" &&
    request.kind.group === "" &&
    request.subResource === undefined &&
    request.operation === "CREATE"
  );
}

function answer(
  review: AdmissionReviewRequest,
  response: Omit<AdmissionResponse, "uid">,
): AdmissionReviewResponse {
  return {
    apiVersion: review.apiVersion,
    kind: "AdmissionReview",
    response: { uid: review.request.uid, ...response },
  };
}

function describeRequest(request: AdmissionRequest, pod: V1Pod | undefined): ReviewSummary {
  const metadata = pod?.metadata;
  return {
    uid: request.uid,
    operation: request.operation,
    kind: request.kind.kind,
    namespace: metadata?.namespace || request.namespace,
    name: metadata?.name || request.name,
    generateName: metadata?.generateName || undefined,
    dryRun: request.dryRun === true,
    outcome: "ignored",
    allowed: true,
    decisions: [],
    operations: 0,
  };
}

function internalError(
  review: AdmissionReviewRequest,
  summary: ReviewSummary,
  error: Error,
  config: Config,
): Admission {
  const { uid } = review.request;
  const failed = { ...summary, outcome: "error" as const, error };
  if (config.onInternalError === "deny") {
    const message = `meshtune failed while planning this pod and onInternalError is "deny", so it is refused; the meshtune logs show the cause under uid ${uid}`;
    return {
      review: answer(review, {
        allowed: false,
        status: { code: 500, reason: "InternalError", message },
      }),
      summary: { ...failed, allowed: false },
    };
  }
  const warning = admissionWarning(
    `internal error, the pod is admitted unchanged; see meshtune logs for uid ${uid}`,
  );
  return { review: answer(review, { allowed: true, warnings: [warning] }), summary: failed };
}

/** What the server knows of where a pod is created beyond its review (see admit). */
export type Place = Omit<Target, "namespace">;

/**
 * The answer to a review meshtune is too busy to plan: it waited `waitedMs` behind others. The
 * pod is admitted unchanged, as the apiserver admits it when a webhook with failurePolicy Ignore
 * times out, only sooner and saying so; with `onInternalError: deny` it is refused, as
 * failurePolicy Fail would, with a message saying to retry.
 */
export function shed(review: AdmissionReviewRequest, config: Config, waitedMs: number): Admission {
  const { request } = review;
  const waited = `waited ${Math.round(waitedMs)} ms behind other pods`;
  const summary = {
    ...describeRequest(request, isPodCreation(request) ? (request.object as V1Pod) : undefined),
    outcome: "shed" as const,
    skipped: `overloaded: ${waited}`,
  };
  if (config.onInternalError === "deny") {
    const message = `meshtune is overloaded (the pod ${waited}) and onInternalError is "deny", so it is refused; create it again`;
    return {
      review: answer(review, {
        allowed: false,
        status: { code: 429, reason: "TooManyRequests", message },
      }),
      summary: { ...summary, allowed: false },
    };
  }
  const warning = admissionWarning(
    `overloaded: admitted untuned rather than late (${waited}); recreate it to tune it`,
  );
  return { review: answer(review, { allowed: true, warnings: [warning] }), summary };
}

/**
 * The answer to one admission review: pod creations are planned and patched, anything else is
 * allowed untouched. `place` is what the server knows of where the pod is created beyond the
 * review: meshtune's own namespace (its pods are never changed), and whether the namespace is in
 * Istio ambient (the webhook path says so). Pure apart from the engine it calls; HTTP is the
 * caller's business.
 */
export function admit(
  review: AdmissionReviewRequest,
  config: Config,
  place: Place = {},
): Admission {
  const { request } = review;
  if (!isPodCreation(request)) {
    const summary = describeRequest(request, undefined);
    return {
      review: answer(review, { allowed: true }),
      summary: { ...summary, skipped: "not a pod creation" },
    };
  }
  const pod = request.object as V1Pod;
  const summary = describeRequest(request, pod);
  let mutation;
  try {
    mutation = mutatePod(pod, { ...place, namespace: summary.namespace ?? "" }, config);
  } catch (error) {
    return internalError(
      review,
      summary,
      error instanceof Error ? error : new Error(String(error)),
      config,
    );
  }
  const { plan, patch } = mutation;
  const response: Omit<AdmissionResponse, "uid"> = { allowed: true };
  if (patch.length > 0) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(patch)).toString("base64");
  }
  if (plan.warnings.length > 0) response.warnings = plan.warnings.map(admissionWarning);
  if (plan.profile !== undefined) response.auditAnnotations = { profile: plan.profile };
  return {
    review: answer(review, response),
    summary: {
      ...summary,
      outcome: patch.length > 0 ? "patched" : plan.skipped !== undefined ? "skipped" : "unchanged",
      profile: plan.profile,
      skipped: plan.skipped,
      decisions: explain(plan.decisions),
      operations: patch.length,
    },
  };
}
