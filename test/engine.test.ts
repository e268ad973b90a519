import { describe, expect, it } from "vitest";
import { admissionWarning, MAX_WARNING_LENGTH } from "../src/admission/warnings.js";
import { loadConfig } from "../src/config/load.js";
import { mutatePod } from "../src/engine.js";
import { applied } from "./apply-patch.js";
import { fixturePod, MODEL_SERVER_FIXTURES } from "./fixtures/load.js";
import { told } from "./policy/told.js";

const config = loadConfig();
const target = { namespace: "inference" };
const GPU_FIXTURES = [
  ...MODEL_SERVER_FIXTURES,
  "user-annotated-pod",
  "mig-pod",
  "dra-pod",
  "training-job",
];

describe("the mutation engine on real-looking manifests", () => {
  it.each(GPU_FIXTURES)("tunes %s with a patch that applies and marks the profile", (name) => {
    const pod = fixturePod(name);
    const { plan, patch } = mutatePod(pod, target, config);
    expect(plan.profile).toBe("gpu-inference");
    const patched = applied(pod, patch);
    expect(patched.metadata?.annotations?.["meshtune.dev/applied"]).toBe("gpu-inference");
    expect(patched.metadata?.annotations?.["sidecar.istio.io/proxyCPULimit"]).toBeDefined();
  });

  it.each(GPU_FIXTURES)("finds nothing left to do on its own output for %s", (name) => {
    const pod = fixturePod(name);
    const patched = applied(pod, mutatePod(pod, target, config).patch);
    const again = mutatePod(patched, target, config);
    expect(again.patch).toEqual([]);
    expect(again.plan.decisions.filter(({ kind }) => kind === "set")).toEqual([]);
  });

  it("leaves a CPU-only web pod untouched", () => {
    expect(mutatePod(fixturePod("web-cpu-pod"), target, config)).toMatchObject({
      patch: [],
      plan: { warnings: [] },
    });
  });

  it("keeps every value the user set on a hand-tuned pod", () => {
    const pod = fixturePod("user-annotated-pod");
    const patched = applied(pod, mutatePod(pod, target, config).patch);
    const annotations = patched.metadata!.annotations!;
    expect(annotations["sidecar.istio.io/proxyCPU"]).toBe("1");
    expect(annotations["sidecar.istio.io/proxyMemoryLimit"]).toBe("2Gi");
    expect(annotations["config.linkerd.io/proxy-cpu-limit"]).toBe("3");
    // Its keys are kept; only the drain's proxyMetadata is added (a native sidecar needs no hold).
    expect(JSON.parse(annotations["proxy.istio.io/config"]!)).toEqual({
      terminationDrainDuration: "45s",
      concurrency: 4,
      proxyMetadata: { EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true" },
    });
  });

  it("explains each decision in a warning short enough for kubectl", () => {
    for (const name of GPU_FIXTURES) {
      for (const decision of mutatePod(fixturePod(name), target, config).plan.warnings) {
        const warning = admissionWarning(decision);
        expect(warning.length, warning).toBeLessThanOrEqual(MAX_WARNING_LENGTH);
      }
    }
  });

  it("says why the pod was selected and which profile applied", () => {
    const { plan } = mutatePod(fixturePod("vllm-deployment"), target, config);
    expect(told(plan).slice(0, 3)).toEqual([
      "selected: container vllm requests nvidia.com/gpu",
      "selected: container vllm runs vLLM",
      "profile gpu-inference (tune): first profile whose match holds",
    ]);
  });
});
