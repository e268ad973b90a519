import { readdirSync } from "node:fs";
import { Agent } from "node:https";
import type { V1Pod } from "@kubernetes/client-node";
import fastJsonPatch, { type Operation } from "fast-json-patch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { postReview } from "../../src/cli/https-client.js";
import { applied } from "../apply-patch.js";
import { INLINE_BODY_BYTES } from "../../src/server/limits.js";
import { fixturePod } from "../fixtures/load.js";
import { metricValue, scrape, startHarness, type Harness } from "./harness.js";

const FIXTURES = readdirSync(new URL("../fixtures/", import.meta.url))
  .filter((file) => file.endsWith(".yaml"))
  .map((file) => file.replace(/\.yaml$/, ""));
const UNTOUCHED = ["web-cpu-pod"];

let harness: Harness;
const agent = new Agent({ keepAlive: true });
const mutate = (pod: V1Pod, uid?: string) =>
  postReview(`${harness.url}/mutate`, podCreationReview(pod, { uid }), { ca: harness.ca, agent });

function decode(patch: string | undefined): Operation[] {
  return patch === undefined
    ? []
    : (JSON.parse(Buffer.from(patch, "base64").toString("utf8")) as Operation[]);
}

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  agent.destroy();
  await harness.server.shutdown();
});

describe("a round trip over HTTPS for every fixture", () => {
  it("has fixtures to send", () => {
    expect(FIXTURES).toEqual(
      expect.arrayContaining([
        "vllm-deployment",
        "tgi-statefulset",
        "triton-deployment",
        "web-cpu-pod",
      ]),
    );
  });

  it.each(FIXTURES.filter((name) => !UNTOUCHED.includes(name)))(
    "tunes %s with a patch that applies to the pod it was sent",
    async (name) => {
      const pod = fixturePod(name);
      const uid = `uid-${name}`;
      const { apiVersion, response } = await mutate(pod, uid);
      expect(apiVersion).toBe("admission.k8s.io/v1");
      expect(response).toMatchObject({
        uid,
        allowed: true,
        patchType: "JSONPatch",
        auditAnnotations: { profile: "gpu-inference" },
      });
      const patched = fastJsonPatch.applyPatch(
        structuredClone(pod),
        decode(response.patch),
        true,
        false,
      ).newDocument;
      expect(patched.metadata?.annotations).toMatchObject({
        "meshtune.dev/applied": "gpu-inference",
        "sidecar.istio.io/proxyCPULimit": expect.any(String),
        "config.linkerd.io/proxy-cpu-limit": expect.any(String),
      });

      const again = await mutate(patched);
      expect(again.response.patch).toBeUndefined();
      expect(again.response.patchType).toBeUndefined();
    },
  );

  it.each(UNTOUCHED)("admits %s without a patch", async (name) => {
    const { response } = await mutate(fixturePod(name), `uid-${name}`);
    expect(response).toEqual({ uid: `uid-${name}`, allowed: true });
  });

  it("answers at /mutate?timeout=10s, the URL the apiserver calls", async () => {
    const review = podCreationReview(fixturePod("vllm-deployment"), { uid: "uid-query" });
    const { response } = await postReview(`${harness.url}/mutate?timeout=10s`, review, {
      ca: harness.ca,
      agent,
    });
    expect(response).toMatchObject({ uid: "uid-query", allowed: true, patchType: "JSONPatch" });
  });

  it("takes /mutate/ambient for the pods of Istio ambient namespaces: no sidecar keys, the rest as ever", async () => {
    const review = podCreationReview(fixturePod("vllm-deployment"), { uid: "uid-ambient" });
    const { response } = await postReview(`${harness.url}/mutate/ambient?timeout=10s`, review, {
      ca: harness.ca,
      agent,
    });
    expect(response).toMatchObject({ uid: "uid-ambient", allowed: true, patchType: "JSONPatch" });
    expect(JSON.stringify(decode(response.patch))).not.toMatch(/istio\.io/);
    const patched = applied(fixturePod("vllm-deployment"), decode(response.patch));
    expect(patched.spec?.containers[0]?.lifecycle?.preStop).toBeDefined();
    expect(patched.spec?.terminationGracePeriodSeconds).toBeGreaterThan(30);
    expect(patched.metadata?.annotations).toHaveProperty([
      "config.linkerd.io/shutdown-grace-period",
    ]);
    expect(response.warnings).toContain(
      "meshtune: Istio: in ambient (istio.io/dataplane-mode=ambient on the namespace): no sidecar, so no sidecar keys",
    );
  });

  it("plans a review over 8 KiB on /mutate/ambient as ambient too, on the review thread", async () => {
    const pod = fixturePod("vllm-deployment");
    pod.metadata!.annotations = { "example.com/padding": "x".repeat(INLINE_BODY_BYTES) };
    const review = podCreationReview(pod, { uid: "uid-ambient-large" });
    expect(Buffer.byteLength(JSON.stringify(review))).toBeGreaterThan(INLINE_BODY_BYTES);
    const { response } = await postReview(`${harness.url}/mutate/ambient`, review, {
      ca: harness.ca,
      agent,
    });
    expect(response).toMatchObject({ uid: "uid-ambient-large", allowed: true });
    expect(JSON.stringify(decode(response.patch))).not.toMatch(/istio\.io/);
    expect(
      applied(pod, decode(response.patch)).spec?.containers[0]?.lifecycle?.preStop,
    ).toBeDefined();
    expect(response.warnings).toContain(
      "meshtune: Istio: in ambient (istio.io/dataplane-mode=ambient on the namespace): no sidecar, so no sidecar keys",
    );
    const sidecar = await postReview(`${harness.url}/mutate`, review, { ca: harness.ca, agent });
    expect(applied(pod, decode(sidecar.response.patch)).metadata?.annotations).toHaveProperty([
      "sidecar.istio.io/proxyCPU",
    ]);
  });

  it("logs one line per review with what was decided, and no environment values", async () => {
    const pod = fixturePod("vllm-deployment");
    pod.metadata = {
      generateName: "llama-3-8b-5f7c9d8b6-",
      namespace: "inference",
      labels: pod.metadata?.labels,
    };
    pod.spec?.containers[0]?.env?.push({ name: "OPENAI_API_KEY", value: "sk-do-not-log-7f3a" });
    const { response } = await mutate(pod, "uid-logged");
    const lines = harness.logs.filter((line) => line.uid === "uid-logged");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: "review",
      namespace: "inference",
      generateName: "llama-3-8b-5f7c9d8b6-",
      operation: "CREATE",
      dryRun: false,
      outcome: "patched",
      profile: "gpu-inference",
      operations: decode(response.patch).length,
      decisions: expect.arrayContaining(["selected: container vllm requests nvidia.com/gpu"]),
      duration_ms: expect.any(Number),
    });
    expect(JSON.stringify(harness.logs)).not.toMatch(
      /sk-do-not-log|OPENAI_API_KEY|HUGGING_FACE_HUB_TOKEN/,
    );
  });

  it("counts reviews by outcome and profile, and the patch operations sent", async () => {
    const before = await scrape(harness);
    const { response } = await mutate(fixturePod("ollama-deployment"));
    const after = await scrape(harness);
    const labels = { outcome: "patched", profile: "gpu-inference", dry_run: "false" };
    const delta = (text: string, name: string, wanted: Record<string, string> = {}) =>
      metricValue(text, name, wanted) ?? 0;
    expect(
      delta(after, "meshtune_admission_requests_total", labels) -
        delta(before, "meshtune_admission_requests_total", labels),
    ).toBe(1);
    expect(
      delta(after, "meshtune_patch_operations_total", { profile: "gpu-inference" }) -
        delta(before, "meshtune_patch_operations_total", { profile: "gpu-inference" }),
    ).toBe(decode(response.patch).length);
    expect(
      delta(after, "meshtune_admission_duration_seconds_count", { outcome: "patched" }),
    ).toBeGreaterThan(
      delta(before, "meshtune_admission_duration_seconds_count", { outcome: "patched" }),
    );
    expect(metricValue(after, "meshtune_tls_certificate_not_after_seconds")).toBeGreaterThan(
      Date.now() / 1000,
    );
    expect(metricValue(after, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });
});
