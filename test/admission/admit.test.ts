import type { V1Pod } from "@kubernetes/client-node";
import fastJsonPatch, { type Operation } from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { admit, shed } from "../../src/admission/admit.js";
import { podCreationReview } from "../../src/admission/request.js";
import type { AdmissionReviewRequest } from "../../src/admission/review.js";
import { readReview } from "../../src/admission/validate.js";
import { loadConfig, parseConfig } from "../../src/config/load.js";
import { fixturePod } from "../fixtures/load.js";
import { brokenPod } from "./broken-pod.js";

const config = loadConfig();
const UID = "7f1d7a52-3c1e-4a8e-8f0b-2b5a1c9d4e6f";

function review(
  pod: V1Pod,
  change: Partial<AdmissionReviewRequest["request"]> = {},
  apiVersion?: AdmissionReviewRequest["apiVersion"],
) {
  const built = podCreationReview(pod, { uid: UID, apiVersion });
  return readReview({ ...built, request: { ...built.request, ...change } });
}

function decode(patch: string | undefined): Operation[] {
  return JSON.parse(Buffer.from(patch ?? "", "base64").toString("utf8")) as Operation[];
}

describe("admitting a pod creation", () => {
  it("answers a vLLM pod with a base64 JSON Patch that applies to the pod", () => {
    const pod = fixturePod("vllm-deployment");
    const { review: answer, summary } = admit(review(pod), config);
    expect(answer.response.allowed).toBe(true);
    expect(answer.response.patchType).toBe("JSONPatch");
    const patched = fastJsonPatch.applyPatch(
      structuredClone(pod),
      decode(answer.response.patch),
      true,
      false,
    ).newDocument;
    expect(patched.metadata?.annotations?.["meshtune.dev/applied"]).toBe("gpu-inference");
    expect(summary).toMatchObject({
      outcome: "patched",
      profile: "gpu-inference",
      operations: decode(answer.response.patch).length,
    });
  });

  it("echoes the uid and answers in the request's apiVersion", () => {
    for (const apiVersion of ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"] as const) {
      const answer = admit(review(fixturePod("tgi-statefulset"), {}, apiVersion), config).review;
      expect(answer).toMatchObject({ apiVersion, kind: "AdmissionReview", response: { uid: UID } });
    }
  });

  it("explains every change in warnings prefixed with meshtune and at most 120 characters long", () => {
    const { response } = admit(review(fixturePod("vllm-deployment")), config).review;
    expect(response.warnings).toContain(
      'meshtune: set annotation sidecar.istio.io/proxyCPULimit="2"',
    );
    for (const warning of response.warnings ?? []) {
      expect(warning.startsWith("meshtune: ")).toBe(true);
      expect(warning.length).toBeLessThanOrEqual(120);
    }
  });

  it("names the applied profile in the audit annotations", () => {
    expect(
      admit(review(fixturePod("triton-deployment")), config).review.response.auditAnnotations,
    ).toEqual({ profile: "gpu-inference" });
  });

  it("sends neither patch nor patchType when the pod needs nothing", () => {
    const { review: answer, summary } = admit(review(fixturePod("web-cpu-pod")), config);
    expect(answer.response).toEqual({ uid: UID, allowed: true });
    expect(summary.outcome).toBe("skipped");
  });

  it("sends no patch for a pod meshtune already tuned", () => {
    const pod = fixturePod("sglang-pod");
    const first = admit(review(pod), config).review.response;
    const tuned = fastJsonPatch.applyPatch(
      structuredClone(pod),
      decode(first.patch),
      true,
      false,
    ).newDocument;
    const { review: again, summary } = admit(review(tuned), config);
    expect(again.response.patch).toBeUndefined();
    expect(again.response.patchType).toBeUndefined();
    expect(summary).toMatchObject({
      outcome: "unchanged",
      profile: "gpu-inference",
      operations: 0,
    });
  });

  it("reads the namespace from the object, falling back to the request's", () => {
    const pod = fixturePod("vllm-deployment");
    delete pod.metadata?.namespace;
    const excluded = admit(review(pod, { namespace: "kube-system" }), config);
    expect(excluded.summary).toMatchObject({ namespace: "kube-system", outcome: "skipped" });
    expect(excluded.review.response.patch).toBeUndefined();
    expect(admit(review(pod, { namespace: "inference" }), config).summary.outcome).toBe("patched");
  });

  it("gives a dry run the same answer and flags it", () => {
    const pod = fixturePod("vllm-deployment");
    const real = admit(review(pod), config);
    const dry = admit(review(pod, { dryRun: true }), config);
    expect(dry.review).toEqual(real.review);
    expect(dry.summary.dryRun).toBe(true);
    expect(real.summary.dryRun).toBe(false);
  });

  it("logs the generateName of a controller's pod and never its environment", () => {
    const { summary } = admit(review(fixturePod("vllm-deployment")), config);
    const pod = {
      ...fixturePod("vllm-deployment"),
      metadata: { generateName: "llama-3-8b-5f7c9d8b6-", namespace: "inference" },
    };
    expect(admit(review(pod), config).summary.generateName).toBe("llama-3-8b-5f7c9d8b6-");
    expect(JSON.stringify(summary)).not.toMatch(/HUGGING_FACE_HUB_TOKEN|hf-token/);
  });
});

describe("admitting anything else", () => {
  const pod = fixturePod("vllm-deployment");

  it.each([
    ["an UPDATE", { operation: "UPDATE" }],
    ["a DELETE", { operation: "DELETE", object: null }],
    ["a CONNECT", { operation: "CONNECT" }],
    ["a Deployment", { kind: { group: "apps", version: "v1", kind: "Deployment" } }],
    ["a pod's ephemeral containers", { subResource: "ephemeralcontainers" }],
    [
      "a Pod kind from another group",
      { kind: { group: "example.com", version: "v1", kind: "Pod" } },
    ],
  ])("allows %s untouched", (_what, change) => {
    const { review: answer, summary } = admit(review(pod, change), config);
    expect(answer.response).toEqual({ uid: UID, allowed: true });
    expect(summary.outcome).toBe("ignored");
  });
});

describe("an internal error while planning", () => {
  // readReview refuses a pod of this shape; admit, called without it, must still not throw.
  const broken = () => podCreationReview(brokenPod, { uid: UID });

  it("admits the pod unchanged with a warning naming the uid", () => {
    const { review: answer, summary } = admit(broken(), config);
    expect(answer.response).toEqual({
      uid: UID,
      allowed: true,
      warnings: [
        `meshtune: internal error, the pod is admitted unchanged; see meshtune logs for uid ${UID}`,
      ],
    });
    expect(summary.outcome).toBe("error");
    expect(summary.error).toBeInstanceOf(Error);
  });

  it("refuses the pod with a clear message when onInternalError is deny", () => {
    const deny = parseConfig("onInternalError: deny\nprofiles: [{ name: gpu }]");
    const { review: answer, summary } = admit(broken(), deny);
    expect(answer.response.allowed).toBe(false);
    expect(answer.response.patch).toBeUndefined();
    expect(answer.response.status).toEqual({
      code: 500,
      reason: "InternalError",
      message: `meshtune failed while planning this pod and onInternalError is "deny", so it is refused; the meshtune logs show the cause under uid ${UID}`,
    });
    expect(summary).toMatchObject({ outcome: "error", allowed: false });
  });
});

describe("answering a review meshtune is too busy to plan (shed)", () => {
  it("admits the pod unchanged, saying it was overloaded and what to do", () => {
    const { review: answer, summary } = shed(review(fixturePod("vllm-deployment")), config, 1234.4);
    expect(answer.response).toEqual({
      uid: UID,
      allowed: true,
      warnings: [
        "meshtune: overloaded: admitted untuned rather than late (waited 1234 ms behind other pods); recreate it to tune it",
      ],
    });
    expect(summary).toMatchObject({
      outcome: "shed",
      allowed: true,
      operations: 0,
      skipped: "overloaded: waited 1234 ms behind other pods",
    });
  });

  it("refuses the pod with 429, to be created again, when onInternalError is deny", () => {
    const deny = parseConfig("onInternalError: deny\nprofiles: [{ name: gpu }]");
    const { review: answer, summary } = shed(review(fixturePod("vllm-deployment")), deny, 50);
    expect(answer.response.allowed).toBe(false);
    expect(answer.response.status).toEqual({
      code: 429,
      reason: "TooManyRequests",
      message:
        'meshtune is overloaded (the pod waited 50 ms behind other pods) and onInternalError is "deny", so it is refused; create it again',
    });
    expect(summary).toMatchObject({ outcome: "shed", allowed: false });
  });
});
