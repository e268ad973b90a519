import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/load.js";
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

  // The pods those operators create, as their own source makes them (each fixture cites it).
  it.each([
    ["pytorchjob-worker-pod", "a Kubeflow PyTorchJob worker"],
    ["trainjob-node-pod", "a Kubeflow Trainer v2 (JobSet) node"],
    ["kuberay-worker-pod", "a KubeRay worker, restartPolicy Always"],
    ["gpu-job-pod", "a GPU Job's pod"],
    ["cuda-vectoradd-pod", "a bare OnFailure GPU pod"],
    ["training-job", "a Job's template"],
  ])("keeps %s (%s) out of the mesh in the training example", (fixture) => {
    const plan = planPod(fixturePod(fixture), target, trainingExample);
    expect(plan.profile).toBe("gpu-training");
    expect(plan.changes).toEqual(
      expect.arrayContaining([
        { kind: "label", key: "sidecar.istio.io/inject", value: "false" },
        { kind: "label", key: "istio.io/dataplane-mode", value: "none" },
        { kind: "annotation", key: "linkerd.io/inject", value: "disabled" },
      ]),
    );
  });

  it("says which label made a pod a batch pod", () => {
    const plan = planPod(fixturePod("pytorchjob-worker-pod"), target, trainingExample);
    expect(told(plan)).toContain(
      "selected: a batch pod, a Kubeflow training job (training.kubeflow.org/job-name=llama-finetune)",
    );
    const ray = planPod(fixturePod("kuberay-worker-pod"), target, trainingExample);
    expect(told(ray)).toContain(
      "selected: a batch pod, a KubeRay cluster (ray.io/node-type=worker)",
    );
  });

  it("tunes the pods of a RayService, which serve, in the training example", () => {
    const pod = fixturePod("kuberay-worker-pod");
    pod.metadata!.labels!["ray.io/serve"] = "true";
    expect(planPod(pod, target, trainingExample).profile).toBe("gpu-inference");
  });

  it("matches only the pods that are not batch pods with match.batch: false", () => {
    const serving = parseConfig(
      "profiles: [{ name: serving, match: { batch: false } }, { name: rest }]",
    );
    expect(planPod(fixturePod("vllm-deployment"), target, serving).profile).toBe("serving");
    expect(planPod(fixturePod("gpu-job-pod"), target, serving).profile).toBe("rest");
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
