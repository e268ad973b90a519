import { describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { InvalidReviewError, readReview } from "../../src/admission/validate.js";
import { fixturePod } from "../fixtures/load.js";

const valid = () =>
  podCreationReview(fixturePod("vllm-deployment"), { uid: "0d6c2a4e-0f4e-4f57-9a8e-6c1f6a1e2b3c" });

function reasonFor(body: unknown): string {
  try {
    readReview(body);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidReviewError);
    return (error as Error).message;
  }
  throw new Error("readReview accepted the body");
}

describe("reading an AdmissionReview", () => {
  it("accepts a review as the apiserver sends it and keeps what meshtune needs", () => {
    const review = readReview(JSON.parse(JSON.stringify(valid())));
    expect(review.apiVersion).toBe("admission.k8s.io/v1");
    expect(review.request).toMatchObject({
      uid: "0d6c2a4e-0f4e-4f57-9a8e-6c1f6a1e2b3c",
      kind: { group: "", version: "v1", kind: "Pod" },
      operation: "CREATE",
      namespace: "inference",
      dryRun: false,
    });
  });

  it("accepts admission.k8s.io/v1beta1", () => {
    expect(readReview({ ...valid(), apiVersion: "admission.k8s.io/v1beta1" }).apiVersion).toBe(
      "admission.k8s.io/v1beta1",
    );
  });

  it.each([
    ["a JSON array", [], "the body must be a JSON object (an AdmissionReview); it is []"],
    ["null", null, "the body must be a JSON object (an AdmissionReview); it is null"],
    [
      "a review of the wrong kind",
      { ...valid(), kind: "TokenReview" },
      'kind must be "AdmissionReview"; it is "TokenReview"',
    ],
    [
      "an unknown apiVersion",
      { ...valid(), apiVersion: "admission.k8s.io/v2" },
      'apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1; it is "admission.k8s.io/v2"',
    ],
    [
      "no apiVersion",
      { ...valid(), apiVersion: undefined },
      "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1; it is missing",
    ],
    ["no request", { ...valid(), request: undefined }, "request must be an object; it is missing"],
  ])("refuses %s", (_what, body, reason) => {
    expect(reasonFor(body)).toContain(reason);
  });

  it.each([
    ["uid", { uid: undefined }, "request.uid must be a non-empty string; it is missing"],
    ["an empty uid", { uid: "" }, 'request.uid must be a non-empty string; it is ""'],
    [
      "kind",
      { kind: undefined },
      "request.kind must be an object {group, version, kind}; it is missing",
    ],
    [
      "kind.kind",
      { kind: { group: "", version: "v1" } },
      "request.kind.kind must be a non-empty string; it is missing",
    ],
    [
      "operation",
      { operation: undefined },
      "request.operation must be a non-empty string; it is missing",
    ],
    [
      "object",
      { object: undefined },
      "request.object must be the object being admitted; it is missing",
    ],
    [
      "an object that is a string",
      { object: "pod" },
      'request.object must be the object being admitted; it is "pod"',
    ],
  ])("refuses a request without %s", (_what, change, reason) => {
    const review = valid();
    expect(reasonFor({ ...review, request: { ...review.request, ...change } })).toBe(reason);
  });

  it("accepts a DELETE, which carries no object", () => {
    const review = valid();
    const read = readReview({
      ...review,
      request: { ...review.request, operation: "DELETE", object: null },
    });
    expect(read.request.operation).toBe("DELETE");
  });

  it("flags a dry run", () => {
    const review = podCreationReview(fixturePod("vllm-deployment"), { dryRun: true });
    expect(readReview(review).request.dryRun).toBe(true);
  });
});
