import type { V1Container, V1Pod } from "@kubernetes/client-node";
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/load.js";
import { mutatePod } from "../../src/engine.js";
import { gatherEvidence } from "../../src/policy/classify.js";
import { applied } from "../apply-patch.js";

const configs = [
  loadConfig(),
  loadConfig(new URL("../../config/examples/training-opt-out.yaml", import.meta.url).pathname),
  // The other sidecar modes and every lifecycle switch turned.
  parseConfig(`
lifecycle: { nativeSidecars: false, raiseGracePeriod: false, preStopAction: exec }
profiles:
  - { name: classic, match: { batch: false }, warmup: true, sidecar: { mode: classic } }
  - { name: left-to-the-mesh, warmup: true, sidecar: { mode: mesh-default }, streams: { longestSeconds: 20 } }
`),
];

const quantity = fc.constantFrom("100m", "1", "2", "4", "128Mi", "2Gi", "2 cores", "", "-1", "1e3");
const annotationKeys = fc.constantFrom(
  "sidecar.istio.io/proxyCPU",
  "sidecar.istio.io/proxyCPULimit",
  "sidecar.istio.io/proxyMemory",
  "sidecar.istio.io/proxyMemoryLimit",
  "config.linkerd.io/proxy-cpu-request",
  "config.linkerd.io/proxy-cpu-limit",
  "config.linkerd.io/proxy-memory-limit",
  "config.linkerd.io/proxy-image",
  "config.linkerd.io/proxy-version",
  "linkerd.io/inject",
  "meshtune.dev/applied",
  "odd~key/with/slashes",
  "sidecar.istio.io/nativeSidecar",
  "config.linkerd.io/proxy-enable-native-sidecar",
  "config.beta.linkerd.io/proxy-enable-native-sidecar",
  "config.alpha.linkerd.io/proxy-enable-native-sidecar",
  "config.alpha.linkerd.io/proxy-wait-before-exit-seconds",
  "config.linkerd.io/shutdown-grace-period",
  "config.linkerd.io/proxy-await",
);
const annotationValue = fc.constantFrom("true", "false", "True", "0", "20", "45s", "disabled");
const annotations = fc.dictionary(
  annotationKeys,
  fc.oneof(quantity, annotationValue, fc.string()),
  { maxKeys: 6 },
);
const proxyConfig = fc.constantFrom(
  undefined,
  '{"concurrency":4}',
  "terminationDrainDuration: 30s\n",
  "holdApplicationUntilProxyStarts: false",
  "holdApplicationUntilProxyStarts: yes\nconcurrency: 010",
  "{not yaml: [",
  "[1, 2]",
  "",
  "proxyMetadata:\n  ISTIO_META_IDLE_TIMEOUT: 2h\n",
  '{"proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"false"},"terminationDrainDuration":"30s"}',
  '{"proxyMetadata":{}}',
  '{"proxyMetadata":"odd"}',
  "proxyMetadata: null",
);
const labels = fc.dictionary(
  fc.constantFrom(
    "app",
    "sidecar.istio.io/inject",
    "meshtune.dev/profile",
    "meshtune.dev/workload",
    "batch.kubernetes.io/job-name",
    "istio.io/dataplane-mode",
    "training.kubeflow.org/job-name",
    "ray.io/node-type",
    "ray.io/serve",
  ),
  fc.constantFrom(
    "true",
    "false",
    "off",
    "gpu-inference",
    "gpu-training",
    "nope",
    "inference",
    "training",
    "x",
    "ambient",
    "none",
  ),
  { maxKeys: 4 },
);
const resources = fc.dictionary(
  fc.constantFrom(
    "cpu",
    "memory",
    "nvidia.com/gpu",
    "nvidia.com/mig-1g.5gb",
    "amd.com/gpu",
    "example.com/fpga",
  ),
  fc.constantFrom("0", "1", "2", "500m", "8Gi"),
  { maxKeys: 3 },
);
const container: fc.Arbitrary<V1Container> = fc.record({
  name: fc.constantFrom(
    "vllm",
    "server",
    "worker",
    "kserve-container",
    "istio-proxy",
    "linkerd-proxy",
    "a",
  ),
  image: fc.constantFrom(
    "vllm/vllm-openai:v0.11.0",
    "nginx:1.27",
    "nvcr.io/nvidia/tritonserver:25.01-py3",
    "ollama/ollama:0.12",
    "busybox",
  ),
  command: fc.option(
    fc.constantFrom(["vllm", "serve", "m"], ["python", "app.py"], ["text-generation-launcher"]),
    { nil: undefined },
  ),
  resources: fc.record({ limits: resources, requests: resources }),
  lifecycle: fc.option(
    fc.constantFrom(
      { postStart: { exec: { command: ["sh", "-c", "cp /cfg/* /app"] } } },
      { preStop: { exec: { command: ["sleep", "15"] } } },
      { preStop: { sleep: { seconds: 5 } } },
    ),
    { nil: undefined },
  ),
  startupProbe: fc.option(
    fc.constant({ httpGet: { path: "/health", port: 8000 }, failureThreshold: 60 }),
    {
      nil: undefined,
    },
  ),
});
const pod: fc.Arbitrary<V1Pod> = fc
  .record({
    annotations,
    proxyConfig,
    labels,
    containers: fc.array(container, { minLength: 1, maxLength: 3 }),
    initContainers: fc.array(container, { maxLength: 1 }),
    hostNetwork: fc.boolean(),
    runtimeClassName: fc.constantFrom(undefined, "nvidia", "runc"),
    claims: fc.boolean(),
    hasMetadataMaps: fc.boolean(),
    restartPolicy: fc.constantFrom(undefined, "Always", "Never", "OnFailure"),
    terminationGracePeriodSeconds: fc.constantFrom(undefined, 30, 0, 60, 900),
  })
  .map((p) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: "gen-",
      ...(p.hasMetadataMaps || Object.keys(p.labels).length > 0 ? { labels: p.labels } : {}),
      ...(p.hasMetadataMaps || Object.keys(p.annotations).length > 0 || p.proxyConfig !== undefined
        ? {
            annotations: {
              ...p.annotations,
              ...(p.proxyConfig === undefined ? {} : { "proxy.istio.io/config": p.proxyConfig }),
            },
          }
        : {}),
    },
    spec: {
      containers: p.containers,
      ...(p.initContainers.length > 0 ? { initContainers: p.initContainers } : {}),
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
      ...(p.runtimeClassName ? { runtimeClassName: p.runtimeClassName } : {}),
      ...(p.restartPolicy ? { restartPolicy: p.restartPolicy } : {}),
      ...(p.terminationGracePeriodSeconds === undefined
        ? {}
        : { terminationGracePeriodSeconds: p.terminationGracePeriodSeconds }),
      ...(p.claims
        ? { resourceClaims: [{ name: "gpu", resourceClaimTemplateName: "one-gpu" }] }
        : {}),
    },
  }));
const case_ = fc
  .record({
    pod,
    namespace: fc.constantFrom("inference", "kube-system", "meshtune"),
    ambientNamespace: fc.boolean(),
    config: fc.constantFrom(...configs),
  })
  .map(({ namespace, ambientNamespace, ...rest }) => ({
    ...rest,
    target: { namespace, ambientNamespace },
  }));

const runs = { numRuns: 400 };

/** The same pod with every GPU and inference signal taken away. */
function withoutSignals(input: V1Pod): V1Pod {
  const pod = structuredClone(input);
  const strip = (container: V1Container): V1Container => ({
    name: container.name === "kserve-container" ? "web" : container.name,
    image: "nginx:1.27",
    command: ["nginx", "-g", "daemon off;"],
    resources: { limits: { cpu: "1" } },
  });
  pod.spec!.containers = pod.spec!.containers.map(strip);
  if (pod.spec!.initContainers) pod.spec!.initContainers = pod.spec!.initContainers.map(strip);
  delete pod.spec!.runtimeClassName;
  delete pod.spec!.resourceClaims;
  delete pod.metadata?.labels?.["meshtune.dev/profile"];
  delete pod.metadata?.labels?.["meshtune.dev/workload"];
  return pod;
}

function keepsMetadata(pod: V1Pod, patched: V1Pod): void {
  for (const [key, value] of Object.entries(pod.metadata?.labels ?? {}))
    expect(patched.metadata?.labels?.[key]).toBe(value);
  for (const [key, value] of Object.entries(pod.metadata?.annotations ?? {})) {
    const now = patched.metadata?.annotations?.[key];
    if (key === "proxy.istio.io/config" && now !== value) {
      // A merge may only add keys to a config that parsed, also inside proxyMetadata.
      // Istio reads it as YAML 1.1, so the values must stay the same under YAML 1.1.
      const yaml11 = { version: "1.1" } as const;
      expect(parse(now!, yaml11)).toMatchObject(parse(value, yaml11) as object);
    } else {
      expect(now).toBe(value);
    }
  }
}

function keepsSpec(pod: V1Pod, patched: V1Pod): void {
  // The grace period is raised only from the default the apiserver fills in, and never lowered.
  const grace = pod.spec?.terminationGracePeriodSeconds;
  if (grace !== undefined && grace !== 30) {
    expect(patched.spec?.terminationGracePeriodSeconds).toBe(grace);
  }
  expect(patched.spec?.terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(grace ?? 0);
  // Warmup may add a postStart hook, and shutdown a preStop pause, where there was none; never change one.
  pod.spec?.containers.forEach((container, index) => {
    const now = patched.spec?.containers[index]?.lifecycle;
    if (container.lifecycle) expect(now).toMatchObject(container.lifecycle);
    if (container.startupProbe) {
      expect(patched.spec?.containers[index]?.startupProbe).toEqual(container.startupProbe);
    }
  });
}

describe("properties over generated pods", () => {
  it("never throws, and its patch always applies with validation", () => {
    fc.assert(
      fc.property(case_, ({ pod, target, config }) => {
        const { patch } = mutatePod(pod, target, config);
        applied(pod, patch);
      }),
      runs,
    );
  });

  it("yields exactly the planned annotations and labels", () => {
    fc.assert(
      fc.property(case_, ({ pod, target, config }) => {
        const { plan, patch } = mutatePod(pod, target, config);
        const patched = applied(pod, patch);
        for (const change of plan.changes) {
          if (change.kind === "annotation")
            expect(patched.metadata?.annotations?.[change.key]).toBe(change.value);
          if (change.kind === "label")
            expect(patched.metadata?.labels?.[change.key]).toBe(change.value);
        }
      }),
      runs,
    );
  });

  it("is idempotent: running again on its own output changes nothing", () => {
    fc.assert(
      fc.property(case_, ({ pod, target, config }) => {
        const patched = applied(pod, mutatePod(pod, target, config).patch);
        expect(mutatePod(patched, target, config).patch).toEqual([]);
      }),
      runs,
    );
  });

  it("never changes a value the user set", () => {
    fc.assert(
      fc.property(case_, ({ pod, target, config }) => {
        const patched = applied(pod, mutatePod(pod, target, config).patch);
        keepsMetadata(pod, patched);
        keepsSpec(pod, patched);
      }),
      runs,
    );
  });

  it("writes no Istio sidecar key on a pod it plans in ambient", () => {
    fc.assert(
      fc.property(case_, ({ pod, target, config }) => {
        const { plan } = mutatePod(pod, target, config);
        if (!plan.decisions.some(({ code }) => code === "ambient-pod")) return;
        const keys = plan.changes.flatMap((change) => ("key" in change ? [change.key] : []));
        expect(keys.filter((key) => /^(sidecar|proxy)\.istio\.io\//.test(key))).toEqual([]);
      }),
      runs,
    );
  });

  it("leaves Linkerd's native-sidecar keys agreeing, and a native proxy no wait before exit", () => {
    const native = [
      "config.linkerd.io/proxy-enable-native-sidecar",
      "config.beta.linkerd.io/proxy-enable-native-sidecar",
      "config.alpha.linkerd.io/proxy-enable-native-sidecar",
    ];
    fc.assert(
      fc.property(case_, ({ pod, target, config }) => {
        const { plan, patch } = mutatePod(pod, target, config);
        const wrote = plan.changes.some(
          (change) => change.kind === "annotation" && native.includes(change.key),
        );
        if (!wrote) return;
        const annotations = applied(pod, patch).metadata?.annotations ?? {};
        // As Go's strconv.ParseBool reads them.
        const truth = (text = "") =>
          ["1", "t", "T", "TRUE", "true", "True"].includes(text)
            ? true
            : ["0", "f", "F", "FALSE", "false", "False"].includes(text)
              ? false
              : text;
        const values = native.map((key) => truth(annotations[key]));
        expect(new Set(values).size, JSON.stringify(values)).toBe(1);
        if (values[0] === true) {
          // Linkerd reads it with ParseUint and ignores what does not parse.
          const wait = annotations["config.alpha.linkerd.io/proxy-wait-before-exit-seconds"] ?? "";
          expect(/^[0-9]+$/.test(wait) && Number(wait) > 0, wait).toBe(false);
        }
      }),
      runs,
    );
  });

  it("gives pods that are no GPU or inference pods no patch", () => {
    fc.assert(
      fc.property(case_, ({ pod, target, config }) => {
        const plain = withoutSignals(pod);
        expect(gatherEvidence(plain, config)).toEqual([]);
        expect(mutatePod(plain, target, config).patch).toEqual([]);
      }),
      runs,
    );
  });
});
