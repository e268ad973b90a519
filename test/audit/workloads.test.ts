import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { emptyInventory } from "../../src/audit/inventory.js";
import { podsState } from "../../src/audit/pod-state.js";
import { collectWorkloads } from "../../src/audit/workloads.js";
import { fixturePod } from "../fixtures/load.js";

function runningPod(name: string, owner?: { kind: string; name: string }, hash?: string): V1Pod {
  const pod = fixturePod("vllm-deployment");
  pod.metadata = {
    ...pod.metadata,
    name,
    labels: { ...pod.metadata?.labels, ...(hash ? { "pod-template-hash": hash } : {}) },
    ...(owner
      ? { ownerReferences: [{ apiVersion: "apps/v1", ...owner, uid: name, controller: true }] }
      : {}),
  };
  return pod;
}

describe("workloads", () => {
  it("group a Deployment's pods under it through their ReplicaSet's pod-template-hash", () => {
    const inventory = emptyInventory();
    inventory.pods.push(
      runningPod("llm-5c9d7f6b8-a", { kind: "ReplicaSet", name: "llm-5c9d7f6b8" }, "5c9d7f6b8"),
      runningPod("llm-7b8c6d5f4-b", { kind: "ReplicaSet", name: "llm-7b8c6d5f4" }, "7b8c6d5f4"),
    );
    const [workload, ...rest] = collectWorkloads(inventory);
    expect(rest).toEqual([]);
    expect(workload).toMatchObject({ kind: "Deployment", name: "llm", plannedFrom: "pod" });
    expect(workload?.pods).toHaveLength(2);
  });

  it("keep a ReplicaSet that is no Deployment's, a StatefulSet's pods and bare pods apart", () => {
    const inventory = emptyInventory();
    inventory.pods.push(
      runningPod("batch-x1", { kind: "ReplicaSet", name: "batch" }, "ffff"),
      runningPod("tgi-0", { kind: "StatefulSet", name: "tgi" }),
      runningPod("debug"),
    );
    expect(collectWorkloads(inventory).map(({ kind, name }) => `${kind}/${name}`)).toEqual([
      "Pod/debug",
      "ReplicaSet/batch",
      "StatefulSet/tgi",
    ]);
  });

  it("plan from the workload's template when it was read, and attach the running pods to it", () => {
    const inventory = emptyInventory();
    const template = fixturePod("vllm-deployment");
    inventory.templates.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: "inference",
      name: "llm",
      pod: template,
    });
    inventory.pods.push(runningPod("llm-abc-1", { kind: "ReplicaSet", name: "llm-abc" }, "abc"));
    const [workload] = collectWorkloads(inventory);
    expect(workload?.plannedFrom).toBe("template");
    expect(workload?.pod).toBe(template);
    expect(workload?.pods).toHaveLength(1);
  });

  it("plan from a running pod with the mesh's containers set aside, as its controller made it", () => {
    const pod = runningPod("llm");
    pod.spec!.initContainers = [{ name: "istio-init", image: "docker.io/istio/proxyv2:1.30.3" }];
    pod.spec!.containers.push({ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.30.3" });
    const inventory = emptyInventory();
    inventory.pods.push(pod);
    const [workload] = collectWorkloads(inventory);
    expect(workload?.pod.spec?.containers.map(({ name }) => name)).toEqual(["vllm"]);
    expect(workload?.pod.spec?.initContainers).toEqual([]);
    expect(pod.spec?.containers).toHaveLength(2);
  });
});

describe("running pods' state", () => {
  it("tells native sidecars (init containers that restart) from classic ones, and counts alike ones once", () => {
    const native = runningPod("a");
    native.spec!.initContainers = [
      {
        name: "istio-proxy",
        image: "proxyv2:1.30.3",
        restartPolicy: "Always",
        resources: { limits: { cpu: "2" } },
      },
    ];
    const classic = runningPod("b");
    classic.spec!.containers.push({
      name: "linkerd-proxy",
      image: "cr.l5d.io/linkerd/proxy:edge-26.8.3",
    });
    const none = runningPod("c");
    const state = podsState([native, structuredClone(native), classic, none]);
    expect(state).toMatchObject({ pods: 4, withoutSidecar: 1 });
    expect(state.sidecars).toEqual([
      {
        mesh: "istio",
        container: "istio-proxy",
        mode: "native",
        image: "proxyv2:1.30.3",
        requests: {},
        limits: { cpu: "2" },
        pods: 2,
      },
      {
        mesh: "linkerd",
        container: "linkerd-proxy",
        mode: "classic",
        image: "cr.l5d.io/linkerd/proxy:edge-26.8.3",
        requests: {},
        limits: {},
        pods: 1,
      },
    ]);
  });
});
