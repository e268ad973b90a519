import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { planPod } from "../../src/policy/planner.js";
import { fixturePod } from "../fixtures/load.js";
import { told } from "./told.js";

const config = loadConfig();
const trainingExample = loadConfig(
  new URL("../../config/examples/training-opt-out.yaml", import.meta.url).pathname,
);
const target = { namespace: "inference" };

describe("choosing a profile", () => {
  it("applies the first profile whose match holds", () => {
    expect(planPod(fixturePod("vllm-deployment"), target, trainingExample).profile).toBe(
      "gpu-inference",
    );
    expect(planPod(fixturePod("training-job"), target, trainingExample).profile).toBe(
      "gpu-training",
    );
  });

  it("opts Job pods with GPUs out of the mesh in the training example", () => {
    const pod = fixturePod("mig-pod");
    pod.metadata!.labels = { "batch.kubernetes.io/job-name": "embed-corpus" };
    const plan = planPod(pod, target, trainingExample);
    expect(plan.profile).toBe("gpu-batch-jobs");
    expect(plan.changes).toContainEqual({
      kind: "label",
      key: "sidecar.istio.io/inject",
      value: "false",
    });
    expect(plan.changes).toContainEqual({
      kind: "annotation",
      key: "linkerd.io/inject",
      value: "disabled",
    });
  });

  it("applies the profile a pod names, even without GPU signals", () => {
    const pod = fixturePod("web-cpu-pod");
    pod.metadata!.labels!["meshtune.dev/profile"] = "gpu-inference";
    const plan = planPod(pod, target, config);
    expect(plan.profile).toBe("gpu-inference");
    expect(told(plan)).toContain("profile gpu-inference (tune): named by meshtune.dev/profile");
  });

  it("honours meshtune.dev/profile: off and says so", () => {
    const pod = fixturePod("vllm-deployment");
    pod.metadata!.annotations = { "meshtune.dev/profile": "off" };
    const plan = planPod(pod, target, config);
    expect(plan.changes).toEqual([]);
    expect(told(plan)).toEqual(["the pod opts out (meshtune.dev/profile: off)"]);
  });

  it("leaves a pod that names an unknown profile unchanged, naming the known ones", () => {
    const pod = fixturePod("vllm-deployment");
    pod.metadata!.annotations = { "meshtune.dev/profile": "gpu-infrence" };
    const plan = planPod(pod, target, config);
    expect(plan.changes).toEqual([]);
    expect(told(plan)).toEqual([
      'unknown profile "gpu-infrence" in meshtune.dev/profile (known: gpu-inference); pod left unchanged',
    ]);
  });

  it("prefers the annotation over the label when a pod carries both", () => {
    const pod = fixturePod("vllm-deployment");
    pod.metadata!.annotations = { "meshtune.dev/profile": "off" };
    pod.metadata!.labels!["meshtune.dev/profile"] = "gpu-inference";
    expect(planPod(pod, target, config).profile).toBeUndefined();
  });

  it("leaves a GPU pod alone when no profile matches, without warnings", () => {
    const plan = planPod(fixturePod("vllm-deployment"), target, { ...config, profiles: [] });
    expect(plan).toMatchObject({
      skipped: "no profile matches this pod",
      changes: [],
      warnings: [],
    });
  });

  it("leaves a CPU-only pod alone without a word to its owner", () => {
    const plan = planPod(fixturePod("web-cpu-pod"), target, config);
    expect(plan).toMatchObject({
      skipped: "not a GPU or inference pod",
      changes: [],
      warnings: [],
    });
  });
});
