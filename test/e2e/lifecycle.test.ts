import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { Profile } from "../../src/config/schema.js";
import { MESHTUNE } from "../../src/policy/keys.js";
import { ISTIO } from "../../src/policy/meshes/istio.js";
import { eventually, SHIPPED_CONFIG } from "../server/harness.js";
import { createNode, startIstio, type IstioInjector } from "./istio.js";
import { OPTED_IN, startMeshtuneCluster, type MeshtuneCluster } from "./meshtune-cluster.js";
import { createPod, fixtureIn, podsLabelled, storedPod } from "./pods.js";
import { apply } from "./webhook-registration.js";

// The shipped config, plus a profile that keeps a pod out of the mesh, as
// config/examples/training-opt-out.yaml does for batch pods.
const shipped = parse(SHIPPED_CONFIG) as { profiles: Profile[] };
const CONFIG_TEXT = stringify({
  ...shipped,
  profiles: [
    ...shipped.profiles,
    { name: "out-of-mesh", match: { signals: ["gpu"] }, mode: "opt-out" },
  ],
});
const [inference] = shipped.profiles as [Profile];
const LONGEST = inference.streams.longestSeconds;

/** Opted in to meshtune and labelled for Istio's ambient data plane, with no sidecar injection. */
const AMBIENT = "inference-ambient";

// A node pool older than Kubernetes 1.33: with it, Istio's ENABLE_NATIVE_SIDECARS=auto (the
// default since 1.27) gives every pod not yet scheduled a classic sidecar. The harness has no
// kubelets; the Node object stands for the pool.
const OLD_NODE = { name: "gpu-node-old", kubelet: "v1.32.9" };

let env: MeshtuneCluster;
let istio: IstioInjector;

/** Creates the fixture's pod through meshtune and Istio; what the apiserver stored, and its warnings. */
async function created(
  fixture: string,
  namespace: string,
  name: string,
  change = (_: V1Pod) => {},
) {
  const pod = fixtureIn(fixture, namespace, name);
  change(pod);
  const { warnings } = await createPod(env.cluster, pod);
  return { stored: await storedPod(env.cluster, namespace, name), warnings };
}

const named = (containers: V1Container[] | undefined, name: string) =>
  containers?.find((container) => container.name === name);

const allContainers = (pod: V1Pod) => [
  ...(pod.spec?.initContainers ?? []),
  ...(pod.spec?.containers ?? []),
];

/** The sidecar and ProxyConfig keys Istio's injector reads from a pod. */
const istioKeys = (pod: V1Pod) =>
  Object.keys(pod.metadata?.annotations ?? {}).filter((key) =>
    /^(sidecar|proxy)\.istio\.io\//.test(key),
  );

beforeAll(async () => {
  // The Job controller creates the Job's pods, as in a cluster.
  env = await startMeshtuneCluster({ config: CONFIG_TEXT, controllers: ["job"] });
  await env.cluster.kubectl(["label", "namespace", OPTED_IN, "istio-injection=enabled"]);
  await env.cluster.createNamespace(AMBIENT, {
    "meshtune.dev/enabled": "true",
    "istio.io/dataplane-mode": "ambient",
  });
  istio = await startIstio(env.cluster);
  await createNode(env.cluster, OLD_NODE);
});

afterAll(async () => {
  await istio?.stop();
  await env?.stop();
});

describe("a vLLM pod under the shipped config, while a node is older than Kubernetes 1.33", () => {
  let stored: V1Pod;
  let proxy: V1Container | undefined;

  beforeAll(async () => {
    ({ stored } = await created("vllm-deployment", OPTED_IN, "llama-lifecycle"));
    proxy = named(stored.spec?.initContainers, "istio-proxy");
  });

  it("gets istio-proxy as a native sidecar, an init container restarting always: meshtune pinned it over Istio's auto", () => {
    expect(stored.metadata?.annotations?.[ISTIO.nativeSidecar]).toBe("true");
    expect(proxy, "istio-proxy among the init containers").toBeDefined();
    expect(proxy?.restartPolicy).toBe("Always");
    expect(named(stored.spec?.containers, "istio-proxy")).toBeUndefined();
  });

  it("is not held by pilot-agent wait, which a native sidecar has no use for: its startupProbe holds the app", () => {
    expect(proxy?.startupProbe?.httpGet?.path).toBe("/healthz/ready");
    expect(proxy?.lifecycle?.postStart).toBeUndefined();
    expect(proxy?.lifecycle?.preStop?.exec?.command).toEqual(
      expect.arrayContaining(["pilot-agent", "request", "POST", "drain"]),
    );
  });

  it("starts pilot-agent with the drain: PROXY_CONFIG has terminationDrainDuration, the env EXIT_ON_ZERO_ACTIVE_CONNECTIONS", () => {
    const env_ = (name: string) => proxy?.env?.find((variable) => variable.name === name)?.value;
    const proxyConfig = JSON.parse(env_("PROXY_CONFIG") ?? "{}") as Record<string, unknown>;
    expect(proxyConfig.terminationDrainDuration).toBe(`${LONGEST}s`);
    expect(proxyConfig.proxyMetadata).toMatchObject({ EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true" });
    expect(env_("EXIT_ON_ZERO_ACTIVE_CONNECTIONS")).toBe("true");
  });

  it("pauses the model server with the sleep action before SIGTERM, and gives the pod time for its longest stream", () => {
    const app = named(stored.spec?.containers, "vllm");
    expect(app?.lifecycle?.preStop).toEqual({ sleep: { seconds: 5 } });
    expect(stored.spec?.terminationGracePeriodSeconds).toBeGreaterThan(LONGEST);
  });
});

describe("a GPU Job, whose pod the Job controller creates", () => {
  let pod: V1Pod;

  beforeAll(async () => {
    // The Job controller gives its pod what the fixture mirrors: labels, owner, generateName.
    await apply(env.cluster, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "nightly-batch-inference", namespace: OPTED_IN },
      spec: { backoffLimit: 0, template: { spec: fixtureIn("gpu-job-pod", OPTED_IN).spec } },
    });
    const selector = "batch.kubernetes.io/job-name=nightly-batch-inference";
    pod = await eventually(async () => {
      const [first] = await podsLabelled(env.cluster, OPTED_IN, selector);
      if (first === undefined) throw new Error("the Job controller has created no pod yet");
      return first;
    }, 60_000);
  });

  it("is stored with native sidecars, so it can complete: istio-proxy is an init container restarting always", () => {
    expect(pod.metadata?.ownerReferences?.[0]?.kind).toBe("Job");
    expect(pod.metadata?.annotations?.[MESHTUNE.applied]).toBe(inference.name);
    const proxy = named(pod.spec?.initContainers, "istio-proxy");
    expect(proxy?.restartPolicy).toBe("Always");
    expect(named(pod.spec?.containers, "istio-proxy")).toBeUndefined();
  });

  it("gets no warmup and no stream protection: it serves no one", () => {
    const batch = named(pod.spec?.containers, "batch");
    expect(batch?.lifecycle).toBeUndefined();
    expect(batch?.startupProbe).toBeUndefined();
    expect(pod.spec?.terminationGracePeriodSeconds).toBe(30);
  });
});

describe("a pod meshtune keeps out of the mesh", () => {
  it("carries both Istio labels, the sidecar's and ambient's, and gets no sidecar", async () => {
    const { stored } = await created("training-job", OPTED_IN, "finetune-out", (pod) => {
      pod.metadata!.annotations = { [MESHTUNE.profile]: "out-of-mesh" };
    });
    expect(stored.metadata?.labels).toMatchObject({
      [ISTIO.inject]: "false",
      [ISTIO.dataplaneMode]: "none",
    });
    expect(allContainers(stored).filter(({ name }) => name.startsWith("istio-"))).toEqual([]);
  });
});

describe("a pod in a namespace in Istio's ambient data plane", () => {
  it("reaches meshtune's ambient webhook and gets no sidecar keys, with a warning that says why", async () => {
    const { stored, warnings } = await created("vllm-deployment", AMBIENT, "llama-ambient");
    expect(istioKeys(stored)).toEqual([]);
    expect(allContainers(stored).filter(({ name }) => name.startsWith("istio-"))).toEqual([]);
    expect(warnings).toContain(
      "meshtune: Istio: in ambient (istio.io/dataplane-mode=ambient on the namespace): no sidecar, so no sidecar keys",
    );
  });

  it("still gets its warmup, preStop pause and longer grace period", async () => {
    const { stored } = await created("vllm-deployment", AMBIENT, "llama-ambient-warm");
    const app = named(stored.spec?.containers, "vllm");
    expect(app?.lifecycle?.postStart?.exec).toBeDefined();
    expect(app?.lifecycle?.preStop).toEqual({ sleep: { seconds: 5 } });
    expect(stored.spec?.terminationGracePeriodSeconds).toBeGreaterThan(LONGEST);
  });

  it("gets the sidecar keys when it leaves ambient with istio.io/dataplane-mode: none", async () => {
    const { stored } = await created("vllm-deployment", AMBIENT, "llama-not-ambient", (pod) => {
      pod.metadata!.labels![ISTIO.dataplaneMode] = "none";
    });
    expect(istioKeys(stored)).toEqual(
      expect.arrayContaining([ISTIO.proxyCPU, ISTIO.nativeSidecar]),
    );
  });
});
