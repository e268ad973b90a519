import { describe, expect, it } from "vitest";
import { describeChange, podHalf } from "../../src/audit/pod-changes.js";
import type { Change } from "../../src/policy/change.js";
import type { Workload } from "../../src/audit/workloads.js";
import { fixturePod } from "../fixtures/load.js";
import { configWith, SHIPPED } from "./inventories.js";

function workload(fixture: string, namespace = "inference"): Workload {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    namespace,
    name: fixture,
    pod: fixturePod(fixture),
    plannedFrom: "template",
    pods: [],
  };
}

describe("the pod half", () => {
  it("is what the webhook's engine plans for the pod, by key and container", () => {
    const half = podHalf(workload("vllm-deployment"), SHIPPED);
    expect(half?.profile).toBe("gpu-inference");
    expect(half?.changes).toContainEqual({
      kind: "annotation",
      key: "sidecar.istio.io/proxyCPU",
      value: "500m",
    });
    expect(half?.changes).toContainEqual({ kind: "postStart", container: "vllm" });
    expect(half?.changes).toContainEqual({ kind: "volume", volume: "meshtune-warmup" });
  });

  it("lists the values the pod sets itself, which meshtune keeps", () => {
    const half = podHalf(workload("user-annotated-pod"), SHIPPED);
    expect(half?.kept.length).toBeGreaterThan(0);
    expect(half?.kept.every((line) => line.startsWith("kept "))).toBe(true);
  });

  it("is absent for pods the webhook would leave alone", () => {
    expect(podHalf(workload("web-cpu-pod"), SHIPPED)).toBeUndefined();
    expect(podHalf(workload("vllm-deployment", "kube-system"), SHIPPED)).toBeUndefined();
  });

  it("follows the config: an opt-out profile plans the opt-out label", () => {
    const config = configWith("profiles: [{name: out, mode: opt-out}]");
    expect(podHalf(workload("vllm-deployment"), config)?.changes).toContainEqual({
      kind: "label",
      key: "sidecar.istio.io/inject",
      value: "false",
    });
  });

  it("shows the shutdown it plans: the preStop pause by container, the grace period by value", () => {
    const half = podHalf(workload("vllm-deployment"), SHIPPED);
    expect(half?.changes).toContainEqual({ kind: "preStop", container: "vllm" });
    expect(half?.changes).toContainEqual({ kind: "terminationGracePeriodSeconds", value: 320 });
    expect(half?.changes).toContainEqual({
      kind: "annotation",
      key: "config.linkerd.io/shutdown-grace-period",
      value: "300s",
    });
  });

  it("plans as the ambient webhook does for a namespace labelled for Istio ambient", () => {
    const ambient = podHalf(workload("vllm-deployment"), SHIPPED, {
      "meshtune.dev/enabled": "true",
      "istio.io/dataplane-mode": "ambient",
    });
    const keys = ambient?.changes.map(({ key }) => key ?? "") ?? [];
    expect(keys.filter((key) => /(sidecar|proxy)\.istio\.io/.test(key))).toEqual([]);
    expect(ambient?.changes).toContainEqual({ kind: "preStop", container: "vllm" });
    expect(ambient?.notes.join("\n")).toContain("Istio: in ambient");
    const sidecar = podHalf(workload("vllm-deployment"), SHIPPED, {
      "meshtune.dev/enabled": "true",
    });
    expect(sidecar?.changes.map(({ key }) => key)).toContain("sidecar.istio.io/proxyCPU");
  });

  it("summarises a kind of change it has never seen from the change's own fields", () => {
    const pod = fixturePod("vllm-deployment");
    const future = { kind: "resizePolicy", container: 0, policy: { resourceName: "cpu" } };
    expect(describeChange(future as unknown as Change, pod)).toEqual({
      kind: "resizePolicy",
      container: "vllm",
    });
    const priority = { kind: "priorityClassName", value: "inference-high" };
    expect(describeChange(priority as unknown as Change, pod)).toEqual({
      kind: "priorityClassName",
      value: "inference-high",
    });
  });
});
