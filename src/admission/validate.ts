import { isPlainObject } from "../plain-object.js";
import { podShapeProblem } from "./pod-shape.js";
import {
  ADMISSION_API_VERSIONS,
  type AdmissionApiVersion,
  type AdmissionReviewRequest,
  type GroupVersionKind,
} from "./review.js";

/** A body that is not an AdmissionReview meshtune can answer; the message says what is wrong. */
export class InvalidReviewError extends Error {
  override readonly name = "InvalidReviewError";
}

type Fields = Record<string, unknown>;

/** A short description of a value; maps and lists are never serialised (they may nest deeply). */
function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return value.length === 0 ? "[]" : "a list";
  if (isPlainObject(value)) return Object.keys(value).length === 0 ? "{}" : "an object";
  return String(JSON.stringify(value)).slice(0, 60);
}

function requireObject(value: unknown, where: string, what: string): Fields {
  if (!isPlainObject(value))
    throw new InvalidReviewError(`${where} must be ${what}; it is ${describeValue(value)}`);
  return value;
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") {
    throw new InvalidReviewError(
      `${where} must be a non-empty string; it is ${describeValue(value)}`,
    );
  }
  return value;
}

function readGroupVersionKind(value: unknown): GroupVersionKind {
  const gvk = requireObject(value, "request.kind", "an object {group, version, kind}");
  return {
    group: typeof gvk.group === "string" ? gvk.group : "",
    version: typeof gvk.version === "string" ? gvk.version : "",
    kind: requireString(gvk.kind, "request.kind.kind"),
  };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Checks that a parsed body is an AdmissionReview with what meshtune needs, and returns it
 * typed; throws InvalidReviewError naming the first field that is wrong.
 */
export function readReview(body: unknown): AdmissionReviewRequest {
  const review = requireObject(body, "the body", "a JSON object (an AdmissionReview)");
  if (review.kind !== "AdmissionReview") {
    throw new InvalidReviewError(
      `kind must be "AdmissionReview"; it is ${describeValue(review.kind)}`,
    );
  }
  if (!ADMISSION_API_VERSIONS.includes(review.apiVersion as AdmissionApiVersion)) {
    throw new InvalidReviewError(
      `apiVersion must be ${ADMISSION_API_VERSIONS.join(" or ")}; it is ${describeValue(review.apiVersion)}`,
    );
  }
  const request = requireObject(review.request, "request", "an object");
  const uid = requireString(request.uid, "request.uid");
  const kind = readGroupVersionKind(request.kind);
  const operation = requireString(request.operation, "request.operation");
  // DELETE carries the old object only; every other operation must carry the new one.
  if (operation !== "DELETE")
    requireObject(request.object, "request.object", "the object being admitted");
  if (kind.kind === "Pod" && kind.group === "" && operation === "CREATE") {
    const problem = podShapeProblem(request.object, "request.object");
    if (problem) throw new InvalidReviewError(`${problem}; the apiserver never sends such a pod`);
  }
  return {
    apiVersion: review.apiVersion as AdmissionApiVersion,
    kind: "AdmissionReview",
    request: {
      uid,
      kind,
      operation,
      object: request.object,
      subResource: optionalString(request.subResource),
      name: optionalString(request.name),
      namespace: optionalString(request.namespace),
      dryRun: request.dryRun === true,
    },
  };
}
