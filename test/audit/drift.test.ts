import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { controlPlanes, driftFindings } from "../../src/audit/drift.js";
import { emptyInventory } from "../../src/audit/inventory.js";
import type { Workload } from "../../src/audit/workloads.js";
import { brief } from "./inventories.js";

function istiod(name: string, revision: string, tag: string): V1Deployment {
  return {
    metadata: {
      name,
      namespace: "istio-system",
      labels: { app: "istiod", "istio.io/rev": revision },
    },
    spec: {
      selector: {},
      template: {
        spec: { containers: [{ name: "discovery", image: `docker.io/istio/pilot:${tag}` }] },
      },
    },
  };
}

function injected(name: string, tag: string, annotations: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, namespace: "inference", annotations },
    spec: {
      containers: [
        { name: "vllm", image: "vllm/vllm-openai:v0.11.0" },
        { name: "istio-proxy", image: `docker.io/istio/proxyv2:${tag}` },
      ],
    },
  };
}

function workloadOf(pods: V1Pod[]): Workload {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    namespace: "inference",
    name: "llm",
    pod: {},
    plannedFrom: "template",
    pods,
  };
}

function drift(
  pods: V1Pod[],
  istiods: V1Deployment[],
  namespaceLabels: Record<string, string> = {},
) {
  const inventory = emptyInventory();
  inventory.istiods.push(...istiods);
  const planes = controlPlanes(inventory);
  return driftFindings(
    { workload: workloadOf(pods), namespaceLabels, planes },
    "gpu-inference",
    [],
  ).map(brief);
}

describe("proxy version drift", () => {
  it("judges a pod's proxy against the istiod of its revision", () => {
    const planes = [
      istiod("istiod", "default", "1.28.2"),
      istiod("istiod-canary", "canary", "1.30.3"),
    ];
    expect(drift([injected("a", "1.30.3", { "istio.io/rev": "canary" })], planes)).toEqual([]);
    expect(drift([injected("b", "1.30.3")], planes)).toEqual([
      "error proxy-version-skew Deployment inference/llm istio-proxy image 1.30.3 (1 of 1 pods)",
    ]);
  });

  it("takes the namespace's revision label when the pod names none", () => {
    const planes = [
      istiod("istiod", "default", "1.28.2"),
      istiod("istiod-canary", "canary", "1.30.3"),
    ];
    expect(drift([injected("a", "1.30.3")], planes, { "istio.io/rev": "canary" })).toEqual([]);
  });

  it("says nothing when a version cannot be read: a digest, latest, or no istiod", () => {
    expect(drift([injected("a", "latest")], [istiod("istiod", "default", "1.30.3")])).toEqual([]);
    expect(drift([injected("a", "1.20.0")], [])).toEqual([]);
  });

  it("reads Linkerd's control plane from linkerd-config and a pod's proxy from linkerd.io/proxy-version", () => {
    const inventory = emptyInventory();
    inventory.linkerdConfig = {
      metadata: { name: "linkerd-config", namespace: "linkerd" },
      data: { values: "linkerdVersion: enterprise-2.19.4\n" },
    };
    const planes = controlPlanes(inventory);
    expect(planes.linkerd).toEqual({
      namespace: "linkerd",
      version: "enterprise-2.19.4",
      minor: 19,
    });
    const pod: V1Pod = {
      metadata: {
        name: "a",
        namespace: "inference",
        annotations: { "linkerd.io/proxy-version": "edge-24.11.8" },
      },
      spec: {
        containers: [{ name: "linkerd-proxy", image: "cr.l5d.io/linkerd/proxy:edge-24.11.8" }],
      },
    };
    const findings = driftFindings(
      { workload: workloadOf([pod]), namespaceLabels: {}, planes },
      "p",
      [],
    );
    expect(findings.map(brief)).toEqual([
      "error proxy-version-skew Deployment inference/llm linkerd-proxy image edge-24.11.8 (1 of 1 pods)",
    ]);
    expect(findings[0]?.remedy).toBe(
      "restart the pods (kubectl rollout restart deployment/llm -n inference) so the injector gives them the control plane's proxy",
    );
  });

  it("treats a linkerd-config it cannot parse as no control plane", () => {
    const inventory = emptyInventory();
    inventory.linkerdConfig = {
      metadata: { name: "linkerd-config" },
      data: { values: "{ not: yaml" },
    };
    expect(controlPlanes(inventory).linkerd).toBeUndefined();
  });

  it.each([
    [
      "nested 100,000 deep",
      `linkerdVersion: stable-2.14.10\nx: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
    ],
    ["of over 1 MiB", `linkerdVersion: stable-2.14.10\n${"#".repeat(1024 * 1024)}\n`],
  ])(
    "treats a linkerd-config whose values are %s as no control plane, without a crash",
    (_, values) => {
      const inventory = emptyInventory();
      inventory.linkerdConfig = { metadata: { name: "linkerd-config" }, data: { values } };
      expect(controlPlanes(inventory).linkerd).toBeUndefined();
    },
  );
});
