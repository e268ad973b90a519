import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/schema.js";
import { planPod } from "../../../src/policy/planner.js";
import { fixturePod } from "../../fixtures/load.js";
import { told } from "../told.js";

const config = loadConfig();
const target = { namespace: "inference" };

function istioOnly(profile: string): Config {
  return parseConfig(`meshes: [istio]\nprofiles:\n  - ${profile}`);
}

function annotationsSet(pod: V1Pod, from: Config = config): Record<string, string> {
  const entries = planPod(pod, target, from).changes.flatMap((change) =>
    change.kind === "annotation" ? [[change.key, change.value] as const] : [],
  );
  return Object.fromEntries(entries);
}

function withAnnotations(annotations: Record<string, string>): V1Pod {
  const pod = fixturePod("vllm-deployment");
  pod.metadata!.annotations = annotations;
  return pod;
}

describe("planning Istio", () => {
  it("writes all four sidecar sizes, so Istio's chart defaults never half-apply", () => {
    expect(annotationsSet(fixturePod("vllm-deployment"))).toMatchObject({
      "sidecar.istio.io/proxyCPU": "500m",
      "sidecar.istio.io/proxyCPULimit": "2",
      "sidecar.istio.io/proxyMemory": "256Mi",
      "sidecar.istio.io/proxyMemoryLimit": "1Gi",
    });
  });

  it("sets Envoy's concurrency in proxy.istio.io/config, and holds the app for the warmup", () => {
    expect(
      JSON.parse(annotationsSet(fixturePod("vllm-deployment"))["proxy.istio.io/config"]!),
    ).toEqual({ concurrency: 2, holdApplicationUntilProxyStarts: true });
  });

  it("derives concurrency from the CPU limit when the profile gives none", () => {
    const custom = istioOnly("{ name: p, sidecar: { istio: { cpuLimit: 2500m } } }");
    expect(annotationsSet(fixturePod("vllm-deployment"), custom)["proxy.istio.io/config"]).toBe(
      '{"concurrency":3}',
    );
  });

  it("derives concurrency from a CPU limit the pod set itself", () => {
    const custom = istioOnly("{ name: p }");
    const pod = withAnnotations({ "sidecar.istio.io/proxyCPULimit": "4" });
    expect(annotationsSet(pod, custom)["proxy.istio.io/config"]).toBe('{"concurrency":4}');
  });

  it("keeps a proxyCPU the user already set", () => {
    const pod = withAnnotations({ "sidecar.istio.io/proxyCPU": "1" });
    const plan = planPod(pod, target, config);
    expect(annotationsSet(pod)).not.toHaveProperty(["sidecar.istio.io/proxyCPU"]);
    expect(annotationsSet(pod)).toHaveProperty(["sidecar.istio.io/proxyCPULimit"], "2");
    expect(told(plan)).toContain(
      'kept sidecar.istio.io/proxyCPU="1" set by the pod (meshtune: "500m")',
    );
  });

  it("leaves out a limit below the request the pod set, which the apiserver would refuse", () => {
    const pod = withAnnotations({ "sidecar.istio.io/proxyMemory": "4Gi" });
    expect(annotationsSet(pod)).not.toHaveProperty(["sidecar.istio.io/proxyMemoryLimit"]);
    expect(told(planPod(pod, target, config))).toContain(
      "not setting sidecar.istio.io/proxyMemoryLimit=1Gi: below the pod's sidecar.istio.io/proxyMemory=4Gi",
    );
  });

  it("leaves out a request above the limit the pod set", () => {
    const pod = withAnnotations({ "sidecar.istio.io/proxyCPULimit": "200m" });
    expect(annotationsSet(pod)).not.toHaveProperty(["sidecar.istio.io/proxyCPU"]);
    expect(told(planPod(pod, target, config))).toContain(
      "not setting sidecar.istio.io/proxyCPU=500m: above the pod's sidecar.istio.io/proxyCPULimit=200m",
    );
  });

  it("warns that Istio will reject a pod whose own quantity is invalid", () => {
    const pod = withAnnotations({ "sidecar.istio.io/proxyCPU": "2 cores" });
    expect(told(planPod(pod, target, config))).toContain(
      'sidecar.istio.io/proxyCPU="2 cores" is not a quantity; Istio will reject this pod',
    );
  });

  it("merges into a proxy.istio.io/config the pod wrote in YAML, keeping its keys", () => {
    const pod = withAnnotations({ "proxy.istio.io/config": "terminationDrainDuration: 45s\n" });
    const plan = planPod(pod, target, config);
    expect(plan.changes).toContainEqual({
      kind: "annotation",
      key: "proxy.istio.io/config",
      value:
        '{"terminationDrainDuration":"45s","concurrency":2,"holdApplicationUntilProxyStarts":true}',
      replace: true,
    });
    expect(told(plan)).toContain(
      'merged {"concurrency":2,"holdApplicationUntilProxyStarts":true} into the pod\'s proxy.istio.io/config',
    );
  });

  it("never overwrites a key of the pod's proxy.istio.io/config", () => {
    const pod = withAnnotations({ "proxy.istio.io/config": '{"concurrency":8}' });
    const plan = planPod(pod, target, config);
    // Only the warmup's hold is merged in; the pod's concurrency stays.
    expect(JSON.parse(annotationsSet(pod)["proxy.istio.io/config"]!)).toEqual({
      concurrency: 8,
      holdApplicationUntilProxyStarts: true,
    });
    expect(told(plan)).toContain("kept concurrency=8 in the pod's proxy.istio.io/config");
  });

  it("leaves alone a proxy.istio.io/config that does not parse", () => {
    const pod = withAnnotations({ "proxy.istio.io/config": "{concurrency: [" });
    const plan = planPod(pod, target, config);
    expect(
      plan.changes.some(
        (change) => change.kind === "annotation" && change.key === "proxy.istio.io/config",
      ),
    ).toBe(false);
    expect(told(plan)).toContain(
      "kept proxy.istio.io/config: it does not parse as JSON or YAML (Istio will reject the pod)",
    );
  });

  it("pins the proxy image from the profile", () => {
    const custom = istioOnly(
      "{ name: p, sidecar: { istio: { image: gcr.io/istio-release/proxyv2:1.28.4-distroless } } }",
    );
    expect(
      annotationsSet(fixturePod("vllm-deployment"), custom)["sidecar.istio.io/proxyImage"],
    ).toBe("gcr.io/istio-release/proxyv2:1.28.4-distroless");
  });

  it("opts a pod out with the inject label, not the deprecated annotation", () => {
    const custom = istioOnly("{ name: batch, mode: opt-out }");
    const plan = planPod(fixturePod("training-job"), target, custom);
    expect(plan.changes).toContainEqual({
      kind: "label",
      key: "sidecar.istio.io/inject",
      value: "false",
    });
    expect(
      plan.changes.filter((change) => change.kind === "annotation").map((change) => change.key),
    ).toEqual(["meshtune.dev/applied"]);
  });

  it("keeps an inject label the pod set when opting out", () => {
    const pod = fixturePod("training-job");
    pod.metadata!.labels!["sidecar.istio.io/inject"] = "true";
    const plan = planPod(pod, target, istioOnly("{ name: batch, mode: opt-out }"));
    expect(plan.changes).not.toContainEqual(expect.objectContaining({ kind: "label" }));
    expect(told(plan)).toContain(
      'kept sidecar.istio.io/inject="true" set by the pod (meshtune: "false")',
    );
  });

  it("does not tune a pod that opted out of Istio itself", () => {
    const pod = fixturePod("vllm-deployment");
    pod.metadata!.labels!["sidecar.istio.io/inject"] = "false";
    const keys = Object.keys(annotationsSet(pod, istioOnly("{ name: p }")));
    expect(keys).toEqual(["meshtune.dev/applied"]);
  });

  it("reads the pod's proxy.istio.io/config as YAML 1.1, as Istio does", () => {
    const pod = withAnnotations({
      "proxy.istio.io/config": "holdApplicationUntilProxyStarts: yes\n",
    });
    const merged = JSON.parse(annotationsSet(pod)["proxy.istio.io/config"]!) as Record<
      string,
      unknown
    >;
    expect(merged.holdApplicationUntilProxyStarts).toBe(true);
  });

  it("keeps a derived concurrency within what Istio accepts", () => {
    const custom = istioOnly("{ name: p }");
    const pod = withAnnotations({ "sidecar.istio.io/proxyCPULimit": "3000000000" });
    expect(annotationsSet(pod, custom)["proxy.istio.io/config"]).toBe('{"concurrency":256}');
  });

  it.each(["False", "no", "off", "disabled"])(
    "does not tune a pod whose inject label is %j, which Istio reads as no injection",
    (value) => {
      const pod = fixturePod("vllm-deployment");
      pod.metadata!.labels!["sidecar.istio.io/inject"] = value;
      expect(Object.keys(annotationsSet(pod, istioOnly("{ name: p }")))).toEqual([
        "meshtune.dev/applied",
      ]);
    },
  );
});
