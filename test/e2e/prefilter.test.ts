import type { V1MutatingWebhookConfiguration } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { only } from "../install/objects.js";
import { helmTemplate } from "../install/render.js";
import { metricValue } from "../server/harness.js";
import { OPTED_IN, startMeshtuneCluster, type MeshtuneCluster } from "./meshtune-cluster.js";
import { createPod, fixtureIn, storedPod } from "./pods.js";
import { apply, pointedAt, untilAdmission, wasTuned } from "./webhook-registration.js";

// The chart's gpuPrefilter puts a CEL matchCondition on the webhook: the apiserver evaluates it
// and calls meshtune only for pods that ask for an accelerator (or a DRA claim).
const prefiltered = only<V1MutatingWebhookConfiguration>(
  helmTemplate({ values: { webhook: { gpuPrefilter: { enabled: true } } } }),
  "MutatingWebhookConfiguration",
);

let env: MeshtuneCluster;

/** Reviews meshtune has answered so far, whatever their outcome. */
async function reviewsAnswered(): Promise<number> {
  const exposition = await env.meshtune.metrics();
  return exposition
    .split("\n")
    .filter((line) => line.startsWith("meshtune_admission_requests_total{"))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

beforeAll(async () => {
  env = await startMeshtuneCluster();
  await apply(
    env.cluster,
    pointedAt(prefiltered, { url: env.meshtune.url, caBundle: env.certs.ca.cert }),
  );
  // A CPU-only KServe predictor is a model server meshtune tunes, but asks for no accelerator:
  // once it comes back untuned, the apiserver evaluates the prefilter.
  await untilAdmission(
    env.cluster,
    fixtureIn("kserve-predictor-pod", OPTED_IN, "prefilter-probe"),
    (outcome) => !wasTuned(outcome),
    "apply the chart's GPU prefilter",
  );
});

afterAll(async () => {
  await env?.stop();
});

describe("the chart's gpuPrefilter, evaluated by the apiserver as a matchCondition", () => {
  it("is stored as the chart renders it", async () => {
    const { stdout } = await env.cluster.kubectl([
      "get",
      "mutatingwebhookconfiguration",
      prefiltered.metadata?.name ?? "",
      "-o",
      "json",
    ]);
    const stored = JSON.parse(stdout) as V1MutatingWebhookConfiguration;
    expect(stored.webhooks?.[0]?.matchConditions).toEqual(
      prefiltered.webhooks?.[0]?.matchConditions,
    );
    expect(stored.webhooks?.[0]?.matchConditions?.length).toBeGreaterThan(0);
  });

  it("keeps a CPU-only pod from ever reaching meshtune: its request counter does not move", async () => {
    const before = await reviewsAnswered();
    await createPod(env.cluster, fixtureIn("web-cpu-pod", OPTED_IN));
    const stored = await storedPod(env.cluster, OPTED_IN, "storefront-web");
    expect(stored.metadata?.annotations).toBeUndefined();
    expect(await reviewsAnswered()).toBe(before);
  });

  it("sends a GPU pod to meshtune, which tunes it", async () => {
    const before = await reviewsAnswered();
    await createPod(env.cluster, fixtureIn("vllm-deployment", OPTED_IN, "llama-prefiltered"));
    const stored = await storedPod(env.cluster, OPTED_IN, "llama-prefiltered");
    expect(stored.metadata?.annotations?.["meshtune.dev/applied"]).toBe("gpu-inference");
    expect(await reviewsAnswered()).toBe(before + 1);
    const exposition = await env.meshtune.metrics();
    expect(
      metricValue(exposition, "meshtune_admission_requests_total", { outcome: "patched" }),
    ).toBeGreaterThan(0);
  });
});
