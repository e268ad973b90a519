import type { V1Container, V1EnvVar, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseConfig } from "../../src/config/load.js";
import type { Profile } from "../../src/config/schema.js";
import { MESHTUNE } from "../../src/policy/keys.js";
import { ISTIO } from "../../src/policy/meshes/istio.js";
import { SHIPPED_CONFIG } from "../server/harness.js";
import { tunedByEngine } from "./expected.js";
import { createNode, proxyResources, startIstio, type IstioInjector } from "./istio.js";
import { OPTED_IN, startMeshtuneCluster, type MeshtuneCluster } from "./meshtune-cluster.js";
import { createPod, fixtureIn, storedPod } from "./pods.js";

// The shipped config, plus profiles a pod can name: one pinning the proxy image, one leaving the
// sidecar mode to Istio (the shipped one pins native sidecars), one keeping the pod out of the
// mesh (as config/examples/training-opt-out.yaml does for training pods).
const PINNED_IMAGE = "docker.io/istio/proxyv2:1.30.3";
const shipped = parse(SHIPPED_CONFIG) as { profiles: Profile[] };
const [inference] = shipped.profiles as [Profile];
const CONFIG_TEXT = stringify({
  ...shipped,
  profiles: [
    ...shipped.profiles,
    {
      ...inference,
      name: "pinned",
      sidecar: { ...inference.sidecar, istio: { ...inference.sidecar.istio, image: PINNED_IMAGE } },
    },
    {
      ...inference,
      name: "left-to-istio",
      sidecar: { ...inference.sidecar, mode: "mesh-default" },
    },
    { name: "out-of-mesh", match: { signals: ["gpu"] }, mode: "opt-out" },
  ],
});
const config = parseConfig(CONFIG_TEXT);
const sizes = config.profiles[0]!.sidecar.istio;

// Istio's ENABLE_NATIVE_SIDECARS=auto (its default since 1.27) looks at the pod's node, and at every
// node for a pod not yet scheduled: native from kubelet 1.33 on. The apiserver has no kubelets, so
// these Node objects stand for a node pool of each kind; pods name theirs with nodeName.
const NEW_NODE = { name: "gpu-node-new", kubelet: "v1.34.4" };
const OLD_NODE = { name: "gpu-node-old", kubelet: "v1.32.9" };

let env: MeshtuneCluster;
let istio: IstioInjector;

/** Creates the fixture's pod on `node` through meshtune and Istio; what the apiserver stored. */
async function injected(fixture: string, name: string, change: (pod: V1Pod) => void = () => {}) {
  const pod = fixtureIn(fixture, OPTED_IN, name);
  change(pod);
  await createPod(env.cluster, pod);
  return { sent: pod, stored: await storedPod(env.cluster, OPTED_IN, name) };
}

const onNode = (node: string) => (pod: V1Pod) => {
  pod.spec!.nodeName = node;
};

function named(containers: V1Container[] | undefined, name: string): V1Container | undefined {
  return containers?.find((container) => container.name === name);
}

const env_ = (container: V1Container | undefined, name: string): V1EnvVar | undefined =>
  container?.env?.find((variable) => variable.name === name);

/** The ProxyConfig pilot-agent starts with: the injector renders it into PROXY_CONFIG. */
const proxyConfigOf = (proxy: V1Container | undefined) =>
  JSON.parse(env_(proxy, "PROXY_CONFIG")?.value ?? "{}") as Record<string, unknown>;

beforeAll(async () => {
  env = await startMeshtuneCluster({ config: CONFIG_TEXT });
  await env.cluster.kubectl(["label", "namespace", OPTED_IN, "istio-injection=enabled"]);
  istio = await startIstio(env.cluster);
  await createNode(env.cluster, NEW_NODE);
  await createNode(env.cluster, OLD_NODE);
});

afterAll(async () => {
  await istio?.stop();
  await env?.stop();
});

describe("a vLLM GPU pod on a node whose kubelet takes native sidecars, through Istio's injector", () => {
  let stored: V1Pod;
  let proxy: V1Container | undefined;

  beforeAll(async () => {
    ({ stored } = await injected("vllm-deployment", "llama-native", onNode(NEW_NODE.name)));
    proxy = named(stored.spec?.initContainers, "istio-proxy");
  });

  it("gets istio-proxy as a native sidecar: an init container that restarts always, with a startupProbe", () => {
    expect(proxy, "istio-proxy among the init containers").toBeDefined();
    expect(proxy?.restartPolicy).toBe("Always");
    expect(proxy?.startupProbe?.httpGet?.path).toBe("/healthz/ready");
    expect(named(stored.spec?.containers, "istio-proxy")).toBeUndefined();
  });

  it("sizes istio-proxy with meshtune's four values, requests and limits", () => {
    expect(proxy?.resources).toEqual(proxyResources(sizes));
  });

  it("starts pilot-agent with meshtune's concurrency, from the annotation into PROXY_CONFIG", () => {
    expect(proxyConfigOf(proxy).concurrency).toBe(sizes.concurrency);
    expect(stored.metadata?.annotations?.[ISTIO.proxyConfig]).toContain(
      `"concurrency":${sizes.concurrency}`,
    );
  });

  it("keeps meshtune's exec warmup hook, startupProbe and volume on the app exactly as planned", () => {
    const planned = tunedByEngine(
      fixtureIn("vllm-deployment", OPTED_IN, "llama-native"),
      config,
    ).pod;
    const [app, plannedApp] = [
      named(stored.spec?.containers, "vllm"),
      named(planned.spec?.containers, "vllm"),
    ];
    expect(app?.lifecycle).toEqual(plannedApp?.lifecycle);
    expect(app?.startupProbe).toEqual({ ...plannedApp?.startupProbe, successThreshold: 1 });
    expect(app?.volumeMounts).toEqual(expect.arrayContaining(plannedApp?.volumeMounts ?? []));
    expect(stored.spec?.volumes).toContainEqual({ name: "meshtune-warmup", emptyDir: {} });
  });

  it("records that Istio injected it, after meshtune: both marks are on the stored pod", () => {
    expect(stored.metadata?.annotations?.["sidecar.istio.io/status"]).toBeDefined();
    expect(stored.metadata?.annotations?.[MESHTUNE.applied]).toBe("gpu-inference");
  });
});

/** The pod names the profile that leaves the sidecar mode to Istio's ENABLE_NATIVE_SIDECARS=auto. */
const leftToIstio = (pod: V1Pod) => {
  pod.metadata!.annotations = { ...pod.metadata!.annotations, [MESHTUNE.profile]: "left-to-istio" };
};

describe("a vLLM GPU pod on a node whose kubelet is older than 1.33, the mode left to Istio", () => {
  let stored: V1Pod;
  let proxy: V1Container | undefined;

  beforeAll(async () => {
    ({ stored } = await injected("vllm-deployment", "llama-classic", (pod) => {
      onNode(OLD_NODE.name)(pod);
      leftToIstio(pod);
    }));
    proxy = named(stored.spec?.containers, "istio-proxy");
  });

  it("gets istio-proxy as the first container, held by pilot-agent wait: meshtune asked to hold the app", () => {
    expect(stored.spec?.containers[0]?.name).toBe("istio-proxy");
    expect(proxy?.lifecycle?.postStart?.exec?.command).toEqual(["pilot-agent", "wait"]);
    expect(named(stored.spec?.initContainers, "istio-proxy")).toBeUndefined();
    expect(proxyConfigOf(proxy).holdApplicationUntilProxyStarts).toBe(true);
  });

  it("sizes it with meshtune's four values", () => {
    expect(proxy?.resources).toEqual(proxyResources(sizes));
  });

  it("keeps the app's warmup hook, which runs once istio-proxy is up", () => {
    const app = named(stored.spec?.containers, "vllm");
    expect(app?.lifecycle?.postStart?.exec?.command?.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(app?.startupProbe?.exec?.command).toContain("/var/run/meshtune/ready");
  });
});

describe("an unscheduled pod while one node is older than 1.33", () => {
  it("gets a classic sidecar when the mode is left to Istio: auto turns native sidecars off for the whole cluster", async () => {
    const { stored } = await injected("sglang-pod", "qwen-unscheduled", leftToIstio);
    expect(named(stored.spec?.containers, "istio-proxy")).toBeDefined();
    expect(named(stored.spec?.initContainers, "istio-proxy")).toBeUndefined();
  });

  it("gets a native sidecar under the shipped config, which pins it", async () => {
    const { stored } = await injected("sglang-pod", "qwen-pinned-native");
    expect(named(stored.spec?.initContainers, "istio-proxy")?.restartPolicy).toBe("Always");
    expect(named(stored.spec?.containers, "istio-proxy")).toBeUndefined();
  });
});

describe("a profile that pins the proxy image", () => {
  it("runs istio-proxy, and the init container, from the pinned image", async () => {
    const { stored } = await injected("vllm-deployment", "llama-pinned", (pod) => {
      pod.metadata!.annotations = { [MESHTUNE.profile]: "pinned" };
      pod.spec!.nodeName = NEW_NODE.name;
    });
    const images = (stored.spec?.initContainers ?? [])
      .filter(({ name }) => name.startsWith("istio-"))
      .map(({ name, image }) => [name, image]);
    expect(images).toEqual([
      ["istio-init", PINNED_IMAGE],
      ["istio-proxy", PINNED_IMAGE],
    ]);
  });
});

describe("a pod meshtune opts out of the mesh", () => {
  it("gets no sidecar: the label keeps Istio's webhooks from being called", async () => {
    const { stored } = await injected("training-job", "finetune-out-of-mesh", (pod) => {
      pod.metadata!.annotations = { [MESHTUNE.profile]: "out-of-mesh" };
    });
    expect(stored.metadata?.labels?.[ISTIO.inject]).toBe("false");
    const names = [...(stored.spec?.initContainers ?? []), ...(stored.spec?.containers ?? [])].map(
      ({ name }) => name,
    );
    expect(names.filter((name) => name.startsWith("istio-"))).toEqual([]);
    expect(stored.metadata?.annotations?.["sidecar.istio.io/status"]).toBeUndefined();
  });
});
