import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/schema.js";
import { explain } from "../../../src/policy/decision.js";
import { planPod, type Plan } from "../../../src/policy/planner.js";
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

/** The proxy.istio.io/config meshtune leaves on the pod, parsed. */
function proxyConfig(pod: V1Pod, from: Config = config): Record<string, unknown> {
  return JSON.parse(annotationsSet(pod, from)["proxy.istio.io/config"]!) as Record<string, unknown>;
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

  it("sets Envoy's concurrency and the drain in proxy.istio.io/config; a native sidecar needs no hold", () => {
    expect(proxyConfig(fixturePod("vllm-deployment"))).toEqual({
      concurrency: 2,
      terminationDrainDuration: "300s",
      proxyMetadata: { EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true" },
    });
  });

  it("holds the app for the warmup when the sidecar is classic", () => {
    const classic = istioOnly("{ name: p, warmup: true, sidecar: { mode: classic } }");
    expect(proxyConfig(fixturePod("vllm-deployment"), classic)).toMatchObject({
      holdApplicationUntilProxyStarts: true,
    });
  });

  it("derives concurrency from the CPU limit when the profile gives none", () => {
    const custom = istioOnly("{ name: p, sidecar: { istio: { cpuLimit: 2500m } } }");
    expect(proxyConfig(fixturePod("vllm-deployment"), custom).concurrency).toBe(3);
  });

  it("derives concurrency from a CPU limit the pod set itself", () => {
    const custom = istioOnly("{ name: p }");
    const pod = withAnnotations({ "sidecar.istio.io/proxyCPULimit": "4" });
    expect(proxyConfig(pod, custom).concurrency).toBe(4);
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
        '{"terminationDrainDuration":"45s","concurrency":2,"proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"true"}}',
      replace: true,
    });
    expect(told(plan)).toContain(
      'merged {"concurrency":2,"proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"true"}} into the pod\'s proxy.istio.io/config',
    );
    expect(told(plan)).toContain(
      'kept terminationDrainDuration="45s" in the pod\'s proxy.istio.io/config',
    );
  });

  it("never overwrites a key of the pod's proxy.istio.io/config", () => {
    const pod = withAnnotations({ "proxy.istio.io/config": '{"concurrency":8}' });
    const plan = planPod(pod, target, config);
    expect(proxyConfig(pod).concurrency).toBe(8);
    expect(told(plan)).toContain("kept concurrency=8 in the pod's proxy.istio.io/config");
  });

  it("merges the drain's key into a proxyMetadata the pod has, keeping the pod's keys", () => {
    const pod = withAnnotations({
      "proxy.istio.io/config": "proxyMetadata:\n  ISTIO_META_IDLE_TIMEOUT: 2h\n",
    });
    expect(proxyConfig(pod).proxyMetadata).toEqual({
      ISTIO_META_IDLE_TIMEOUT: "2h",
      EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true",
    });
  });

  it("keeps an EXIT_ON_ZERO_ACTIVE_CONNECTIONS the pod set in its proxyMetadata, and says so", () => {
    const pod = withAnnotations({
      "proxy.istio.io/config": '{"proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"false"}}',
    });
    const plan = planPod(pod, target, config);
    expect(proxyConfig(pod).proxyMetadata).toEqual({ EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "false" });
    expect(told(plan)).toContain(
      'kept proxyMetadata.EXIT_ON_ZERO_ACTIVE_CONNECTIONS="false" in the pod\'s proxy.istio.io/config',
    );
  });

  it("keeps a proxyMetadata that is no map as it is", () => {
    const pod = withAnnotations({ "proxy.istio.io/config": '{"proxyMetadata":"odd"}' });
    const plan = planPod(pod, target, config);
    expect(proxyConfig(pod).proxyMetadata).toBe("odd");
    expect(told(plan)).toContain('kept proxyMetadata="odd" in the pod\'s proxy.istio.io/config');
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

  it("opts a pod out with the inject label, not the deprecated annotation, and out of ambient", () => {
    const custom = istioOnly("{ name: batch, mode: opt-out }");
    const plan = planPod(fixturePod("training-job"), target, custom);
    expect(plan.changes).toEqual(
      expect.arrayContaining([
        { kind: "label", key: "sidecar.istio.io/inject", value: "false" },
        { kind: "label", key: "istio.io/dataplane-mode", value: "none" },
      ]),
    );
    expect(
      plan.changes.filter((change) => change.kind === "annotation").map((change) => change.key),
    ).toEqual(["meshtune.dev/applied"]);
  });

  it("keeps an inject label the pod set when opting out", () => {
    const pod = fixturePod("training-job");
    pod.metadata!.labels!["sidecar.istio.io/inject"] = "true";
    const plan = planPod(pod, target, istioOnly("{ name: batch, mode: opt-out }"));
    expect(plan.changes).not.toContainEqual(
      expect.objectContaining({ kind: "label", key: "sidecar.istio.io/inject" }),
    );
    expect(told(plan)).toContain(
      'kept sidecar.istio.io/inject="true" set by the pod (meshtune: "false")',
    );
  });

  it("keeps a pod's own ambient label when opting out, and says so", () => {
    const pod = fixturePod("training-job");
    pod.metadata!.labels!["istio.io/dataplane-mode"] = "ambient";
    const plan = planPod(pod, target, istioOnly("{ name: batch, mode: opt-out }"));
    expect(told(plan)).toContain(
      'kept istio.io/dataplane-mode="ambient" set by the pod (meshtune: "none")',
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
    expect(proxyConfig(pod, custom).concurrency).toBe(256);
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

describe("the sidecar mode with Istio", () => {
  const mode = (name: string) => istioOnly(`{ name: p, warmup: true, sidecar: { mode: ${name} } }`);

  it.each([
    ["native", "true"],
    ["classic", "false"],
  ])(
    "pins mode %s with sidecar.istio.io/nativeSidecar=%j, the one value every Istio from 1.24 reads",
    (name, value) => {
      expect(annotationsSet(fixturePod("vllm-deployment"), mode(name))).toHaveProperty(
        ["sidecar.istio.io/nativeSidecar"],
        value,
      );
    },
  );

  it("writes no mode for mesh-default, and holds the app in case Istio picks a classic sidecar", () => {
    const set = annotationsSet(fixturePod("vllm-deployment"), mode("mesh-default"));
    expect(set).not.toHaveProperty(["sidecar.istio.io/nativeSidecar"]);
    expect(JSON.parse(set["proxy.istio.io/config"]!)).toMatchObject({
      holdApplicationUntilProxyStarts: true,
    });
  });

  it("says what a native sidecar means, and promises no hold Istio would ignore", () => {
    const plan = planPod(fixturePod("vllm-deployment"), target, mode("native"));
    expect(told(plan)).toContain(
      "Istio: native sidecar: istio-proxy starts first, holds the app (startupProbe), stops after it",
    );
    expect(JSON.stringify(plan.changes)).not.toContain("holdApplicationUntilProxyStarts");
  });

  it("says a classic sidecar is held by holdApplicationUntilProxyStarts and shares the app's SIGTERM", () => {
    expect(told(planPod(fixturePod("vllm-deployment"), target, mode("classic")))).toContain(
      "Istio: classic sidecar: held by holdApplicationUntilProxyStarts; SIGTERM reaches istio-proxy with the app",
    );
  });

  it("keeps the pod's own nativeSidecar and explains the mode it picks", () => {
    const pod = withAnnotations({ "sidecar.istio.io/nativeSidecar": "false" });
    const plan = planPod(pod, target, mode("native"));
    expect(told(plan)).toEqual(
      expect.arrayContaining([
        'kept sidecar.istio.io/nativeSidecar="false" set by the pod (meshtune: "true")',
        "Istio: classic sidecar: held by holdApplicationUntilProxyStarts; SIGTERM reaches istio-proxy with the app",
      ]),
    );
  });

  it("does not promise a hold when the pod's own proxy config turns it off", () => {
    const pod = withAnnotations({
      "proxy.istio.io/config": "holdApplicationUntilProxyStarts: false",
    });
    expect(told(planPod(pod, target, mode("classic")))).toContain(
      "Istio: classic sidecar: the app may start first; SIGTERM reaches istio-proxy with the app",
    );
  });

  it("tells --explain, not kubectl, that a ProxyConfig resource wins over the pod's values", () => {
    const plan = planPod(fixturePod("vllm-deployment"), target, config);
    const line =
      "Istio: a ProxyConfig resource selecting this pod wins over the concurrency and proxyMetadata written here";
    expect(explain(plan.decisions)).toContain(line);
    expect(told(plan)).not.toContain(line);
  });
});

describe("a pod in Istio ambient", () => {
  const ambientNamespace = { namespace: "inference", ambientNamespace: true };

  function labelled(labels: Record<string, string>): V1Pod {
    const pod = fixturePod("vllm-deployment");
    Object.assign(pod.metadata!.labels!, labels);
    return pod;
  }

  const istioKeys = (plan: Plan) =>
    plan.changes.flatMap((change) =>
      "key" in change && /istio\.io\//.test(change.key) ? [change.key] : [],
    );

  it("gets no sidecar keys in an ambient namespace, and is told why", () => {
    const plan = planPod(fixturePod("vllm-deployment"), ambientNamespace, config);
    expect(istioKeys(plan)).toEqual([]);
    expect(told(plan)).toContain(
      "Istio: in ambient (istio.io/dataplane-mode=ambient on the namespace): no sidecar, so no sidecar keys",
    );
  });

  it("gets no sidecar keys when it is labelled ambient itself", () => {
    const plan = planPod(labelled({ "istio.io/dataplane-mode": "ambient" }), target, config);
    expect(istioKeys(plan)).toEqual([]);
    expect(told(plan)).toContain(
      "Istio: in ambient (istio.io/dataplane-mode=ambient on the pod): no sidecar, so no sidecar keys",
    );
  });

  it("still gets its warmup, preStop pause, grace period and Linkerd's keys", () => {
    const kinds = planPod(fixturePod("vllm-deployment"), ambientNamespace, config).changes.map(
      (change) => (change.kind === "annotation" ? change.key : change.kind),
    );
    expect(kinds).toEqual(
      expect.arrayContaining([
        "postStart",
        "startupProbe",
        "preStop",
        "terminationGracePeriodSeconds",
        "config.linkerd.io/shutdown-grace-period",
      ]),
    );
  });

  it("is tuned as a sidecar pod when it leaves ambient with istio.io/dataplane-mode: none", () => {
    const plan = planPod(labelled({ "istio.io/dataplane-mode": "none" }), ambientNamespace, config);
    expect(istioKeys(plan)).toContain("sidecar.istio.io/proxyCPU");
  });

  it("is tuned as a sidecar pod when it asks for a sidecar, which Istio injects in ambient too", () => {
    const plan = planPod(labelled({ "sidecar.istio.io/inject": "true" }), ambientNamespace, config);
    expect(istioKeys(plan)).toContain("sidecar.istio.io/proxyCPU");
    expect(told(plan)).toContain(
      "Istio: the pod asks for a sidecar (sidecar.istio.io/inject=true), which Istio injects in an ambient namespace too",
    );
  });

  it("is not in ambient when neither it nor its namespace says so", () => {
    const plan = planPod(fixturePod("vllm-deployment"), target, config);
    expect(istioKeys(plan)).toContain("sidecar.istio.io/nativeSidecar");
  });
});
