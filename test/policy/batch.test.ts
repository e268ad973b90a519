import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { batchReason } from "../../src/policy/batch.js";
import { fixturePod } from "../fixtures/load.js";

function withLabels(labels: Record<string, string>, restartPolicy?: string): V1Pod {
  const pod = fixturePod("vllm-deployment");
  pod.metadata!.labels = labels;
  if (restartPolicy !== undefined) pod.spec!.restartPolicy = restartPolicy;
  return pod;
}

describe("telling a batch pod", () => {
  it.each(["Never", "OnFailure"])(
    "counts a pod with restartPolicy %s, which runs to completion",
    (policy) => {
      expect(batchReason(withLabels({}, policy))).toEqual({
        key: "restartPolicy",
        value: policy,
        maker: "it runs to completion",
      });
    },
  );

  it("does not count a serving pod, whose restartPolicy is Always or unset", () => {
    expect(batchReason(withLabels({}, "Always"))).toBeUndefined();
    expect(batchReason(fixturePod("vllm-deployment"))).toBeUndefined();
  });

  it.each([
    ["batch.kubernetes.io/job-name", "nightly", "a Kubernetes Job"],
    ["training.kubeflow.org/job-name", "llama-finetune", "a Kubeflow training job"],
    ["jobset.sigs.k8s.io/jobset-name", "qwen-sft", "a JobSet (Kubeflow Trainer)"],
    ["ray.io/node-type", "worker", "a KubeRay cluster"],
    ["meshtune.dev/workload", "training", "by its own label"],
    ["meshtune.dev/workload", "batch", "by its own label"],
  ])("counts a pod labelled %s=%s: %s made it", (key, value, maker) => {
    expect(batchReason(withLabels({ [key]: value }))).toEqual({ key, value, maker });
  });

  it("does not count a RayService's pods, which serve (ray.io/serve)", () => {
    expect(
      batchReason(withLabels({ "ray.io/node-type": "worker", "ray.io/serve": "true" })),
    ).toBeUndefined();
  });

  it("does not count meshtune.dev/workload: inference", () => {
    expect(batchReason(withLabels({ "meshtune.dev/workload": "inference" }))).toBeUndefined();
  });

  it.each([
    "pytorchjob-worker-pod",
    "trainjob-node-pod",
    "kuberay-worker-pod",
    "gpu-job-pod",
    "cuda-vectoradd-pod",
    "training-job",
  ])("counts the pod of %s, as its operator creates it", (fixture) => {
    expect(batchReason(fixturePod(fixture))).toBeDefined();
  });
});
