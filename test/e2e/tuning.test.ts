import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Container, V1MutatingWebhookConfiguration, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseConfig } from "../../src/config/load.js";
import type { Config, Profile } from "../../src/config/schema.js";
import { MESHTUNE } from "../../src/policy/keys.js";
import { ISTIO } from "../../src/policy/meshes/istio.js";
import { LINKERD } from "../../src/policy/meshes/linkerd.js";
import { only } from "../install/objects.js";
import { helmTemplate } from "../install/render.js";
import { LOG_FLUSH_MS } from "../../src/server/logger.js";
import { SHIPPED_CONFIG } from "../server/harness.js";
import { reviewsLogged, tunedByEngine } from "./expected.js";
import {
  NOT_OPTED_IN,
  OPTED_IN,
  startMeshtuneCluster,
  type MeshtuneCluster,
} from "./meshtune-cluster.js";
import { createPod, fixtureIn, kubectlWarnings, storedPod } from "./pods.js";
import { shippedWebhookConfiguration } from "./webhook-registration.js";

// The shipped config with one profile in front, as a cluster running training jobs would add it:
// GPU pods labelled meshtune.dev/workload=training are kept out of the mesh, which meshtune does
// with a label.
const TRAINING_PROFILE = {
  name: "training",
  description: "Training jobs talk to nothing in the mesh: keep them out of it.",
  match: {
    signals: ["gpu"],
    podSelector: { matchLabels: { "meshtune.dev/workload": "training" } },
  },
  mode: "opt-out",
};
const shipped = parse(SHIPPED_CONFIG) as { profiles: object[] };
const CONFIG_TEXT = stringify({ ...shipped, profiles: [TRAINING_PROFILE, ...shipped.profiles] });
const config: Config = parseConfig(CONFIG_TEXT);
const gpuInference = config.profiles.find(({ name }) => name === "gpu-inference") as Profile;
const WARMUP_VOLUME = "meshtune-warmup";

/** The annotations gpu-inference writes on a pod the user has not annotated, from the config. */
function sidecarAnnotations(warmup: boolean): Record<string, string> {
  const { istio, linkerd } = gpuInference.sidecar;
  return {
    [ISTIO.proxyCPU]: istio.cpuRequest,
    [ISTIO.proxyCPULimit]: istio.cpuLimit,
    [ISTIO.proxyMemory]: istio.memoryRequest,
    [ISTIO.proxyMemoryLimit]: istio.memoryLimit,
    [ISTIO.nativeSidecar]: "true",
    [LINKERD.cpuRequest]: linkerd.cpuRequest,
    [LINKERD.cpuLimit]: linkerd.cpuLimit,
    [LINKERD.memoryRequest]: linkerd.memoryRequest,
    [LINKERD.memoryLimit]: linkerd.memoryLimit,
    [LINKERD.nativeSidecar]: "true",
    [LINKERD.nativeSidecarBeta]: "true",
    [LINKERD.nativeSidecarAlpha]: "true",
    [LINKERD.waitBeforeExit]: "0",
    [LINKERD.shutdownGracePeriod]: `${gpuInference.streams.longestSeconds}s`,
    ...(warmup ? { [LINKERD.proxyAwait]: "enabled" } : {}),
    [MESHTUNE.applied]: gpuInference.name,
  };
}

/** The drain gpu-inference writes into proxy.istio.io/config. */
const drain = {
  terminationDrainDuration: `${gpuInference.streams.longestSeconds}s`,
  proxyMetadata: { EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true" },
};

const proxyConfig = (pod: V1Pod) =>
  JSON.parse(pod.metadata?.annotations?.[ISTIO.proxyConfig] ?? "null") as Record<string, unknown>;

const container = (pod: V1Pod, name: string) =>
  pod.spec?.containers.find((each) => each.name === name) as V1Container;

const volumeNames = (pod: V1Pod) => (pod.spec?.volumes ?? []).map(({ name }) => name);

let env: MeshtuneCluster;
const kubectl = (args: string[], input?: string) => env.cluster.kubectl(args, input);
/** The reviews meshtune logged for `namespace`, once its batched review lines are all written. */
async function reviews(namespace: string) {
  await new Promise((resolve) => setTimeout(resolve, LOG_FLUSH_MS + 250));
  return reviewsLogged(env.meshtune.logs(), namespace);
}

beforeAll(async () => {
  env = await startMeshtuneCluster({ config: CONFIG_TEXT });
});

afterAll(async () => {
  await env?.stop();
});

describe("the webhook configuration, as the kube-apiserver stores it", () => {
  it("is webhook/'s, which the chart renders the same, with only the client config changed", () => {
    const kustomized = shippedWebhookConfiguration();
    const charted = only<V1MutatingWebhookConfiguration>(
      helmTemplate(),
      "MutatingWebhookConfiguration",
    );
    expect(charted.metadata?.name).toBe(kustomized.metadata?.name);
    expect(charted.webhooks).toEqual(kustomized.webhooks);

    const [registered] = env.registered.webhooks ?? [];
    const [original] = kustomized.webhooks ?? [];
    expect({ ...registered, clientConfig: undefined }).toEqual({
      ...original,
      clientConfig: undefined,
    });
    expect(registered?.clientConfig).toEqual({
      url: `${env.meshtune.url}/mutate`,
      caBundle: Buffer.from(env.certs.ca.cert).toString("base64"),
    });
  });

  it("keeps every field webhook/ sets: none is unknown to this apiserver and dropped", async () => {
    // An apiserver drops fields it does not know without a word (matchConditions before 1.27).
    const { stdout } = await kubectl([
      "get",
      "mutatingwebhookconfiguration",
      env.registered.metadata?.name ?? "",
      "-o",
      "json",
    ]);
    const stored = JSON.parse(stdout) as V1MutatingWebhookConfiguration;
    expect(stored.metadata?.name).toBe("00-meshtune");
    expect(stored.webhooks).toMatchObject(env.registered.webhooks ?? []);
  });
});

describe("kubectl apply --dry-run=server of a vLLM pod in an opted-in namespace", () => {
  it("shows the tuning, prints meshtune's warnings and stores nothing", async () => {
    const pod = fixtureIn("vllm-deployment", OPTED_IN, "llama-3-8b-preview");
    const file = join(env.cluster.dir, "vllm-pod.yaml");
    writeFileSync(file, stringify(pod));

    const { stdout, stderr } = await kubectl([
      "apply",
      "--dry-run=server",
      "-f",
      file,
      "-o",
      "yaml",
    ]);

    const previewed = parse(stdout) as V1Pod;
    expect(previewed.metadata?.annotations).toMatchObject(sidecarAnnotations(true));
    // A native sidecar holds the app with its startupProbe: no holdApplicationUntilProxyStarts.
    expect(proxyConfig(previewed)).toEqual({
      concurrency: gpuInference.sidecar.istio.concurrency,
      ...drain,
    });
    expect(container(previewed, "vllm").lifecycle?.postStart?.exec?.command?.[0]).toBe("/bin/sh");
    const warnings = kubectlWarnings(stderr);
    expect(warnings).toEqual(tunedByEngine(pod, config).warnings);
    expect(warnings).toContain(
      `meshtune: set annotation ${ISTIO.proxyCPU}="${gpuInference.sidecar.istio.cpuRequest}"`,
    );
    expect((await reviews(OPTED_IN)).filter((line) => line.name === "llama-3-8b-preview")).toEqual([
      expect.objectContaining({ dryRun: true, outcome: "patched", profile: "gpu-inference" }),
    ]);
    await expect(kubectl(["get", "pod", "llama-3-8b-preview", "-n", OPTED_IN])).rejects.toThrow(
      /NotFound|not found/,
    );
  });
});

describe("a vLLM GPU pod created in an opted-in namespace", () => {
  const pod = fixtureIn("vllm-deployment", OPTED_IN, "llama-3-8b-0");
  const expected = tunedByEngine(pod, config);
  const planned = container(expected.pod, "vllm");
  let warnings: string[];
  let stored: V1Pod;
  let vllm: V1Container;

  beforeAll(async () => {
    ({ warnings } = await createPod(env.cluster, pod));
    stored = await storedPod(env.cluster, OPTED_IN, "llama-3-8b-0");
    vllm = container(stored, "vllm");
  });

  it("is stored with the sidecar annotations, and kubectl printed meshtune's warnings", () => {
    expect(stored.metadata?.annotations).toEqual(expected.pod.metadata?.annotations);
    expect(stored.metadata?.annotations).toMatchObject(sidecarAnnotations(true));
    expect(stored.metadata?.labels).toEqual(pod.metadata?.labels);
    expect(warnings).toEqual(expected.warnings);
  });

  it("is stored with the warmup postStart hook and the startupProbe that waits for it", () => {
    expect(vllm.lifecycle).toEqual(planned.lifecycle);
    expect(vllm.lifecycle?.postStart?.exec?.command?.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    // The apiserver validated meshtune's probe and filled in the field it leaves to the default.
    expect(vllm.startupProbe).toEqual({ ...planned.startupProbe, successThreshold: 1 });
    expect(vllm.startupProbe?.exec?.command).toContain("/var/run/meshtune/ready");
  });

  it("is stored with the warmup volume and its mount", () => {
    // The ServiceAccount admission plugin, which runs before any webhook, adds its token volume.
    expect(vllm.volumeMounts).toEqual(expect.arrayContaining(planned.volumeMounts ?? []));
    expect(vllm.volumeMounts?.map(({ name }) => name)).toContain(WARMUP_VOLUME);
    expect(stored.spec?.volumes).toEqual(expect.arrayContaining(expected.pod.spec?.volumes ?? []));
    expect(stored.spec?.volumes).toContainEqual({ name: WARMUP_VOLUME, emptyDir: {} });
  });

  it("keeps everything it had: its probe, resources and volumes", () => {
    const original = container(pod, "vllm");
    expect(vllm.readinessProbe).toMatchObject(original.readinessProbe ?? {});
    expect(vllm.resources).toEqual(original.resources);
    expect(stored.spec?.volumes).toEqual(expect.arrayContaining(pod.spec?.volumes ?? []));
  });
});

describe("other pods created in an opted-in namespace", () => {
  it("tunes a GPU pod that runs no model server, without a warmup hook", async () => {
    const pod = fixtureIn("mig-pod", OPTED_IN);
    const { pod: created } = await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, OPTED_IN, created.metadata?.name ?? "");

    const { [ISTIO.proxyConfig]: istioConfig, ...others } = stored.metadata?.annotations ?? {};
    expect(others).toEqual(sidecarAnnotations(false));
    expect(JSON.parse(istioConfig ?? "")).toEqual({
      concurrency: gpuInference.sidecar.istio.concurrency,
      ...drain,
    });
    const embedder = container(stored, "embedder");
    expect(embedder.lifecycle).toBeUndefined();
    expect(embedder.startupProbe).toBeUndefined();
    expect(volumeNames(stored)).not.toContain(WARMUP_VOLUME);
  });

  it("tunes a pod created with generateName, as controllers create them, before it has a name", async () => {
    // A KServe predictor as its ReplicaSet creates it: a CPU-only model server, found by its label.
    const pod = fixtureIn("kserve-predictor-pod", OPTED_IN);
    const prefix = pod.metadata?.generateName ?? "";
    expect(pod.metadata?.name).toBeUndefined();

    const { pod: created, warnings } = await createPod(env.cluster, pod);
    const name = created.metadata?.name ?? "";
    expect(name.startsWith(prefix) && name.length > prefix.length).toBe(true);
    const stored = await storedPod(env.cluster, OPTED_IN, name);
    expect(stored.metadata?.annotations).toMatchObject(sidecarAnnotations(true));
    const server = container(stored, "kserve-container");
    expect(server.lifecycle?.postStart?.exec).toBeDefined();
    expect(server.startupProbe?.exec).toBeDefined();
    expect(warnings).toEqual(tunedByEngine(pod, config).warnings);
    // meshtune saw the pod before the apiserver named it, and logged it by its generateName.
    const logged = (await reviews(OPTED_IN)).filter((line) => line.generateName === prefix);
    expect(logged).toEqual([expect.objectContaining({ dryRun: false, outcome: "patched" })]);
    expect(logged[0]?.name).toBeUndefined();
  });

  it("keeps the sidecar values the user set, and merges into their proxy.istio.io/config", async () => {
    const pod = fixtureIn("user-annotated-pod", OPTED_IN);
    const { [ISTIO.proxyConfig]: theirs, ...users } = pod.metadata?.annotations ?? {};
    expect(parse(theirs ?? "")).toEqual({ terminationDrainDuration: "45s", concurrency: 4 });

    const { warnings } = await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, OPTED_IN, "llama-tuned-by-hand");

    expect(stored.metadata?.annotations).toMatchObject({
      ...users,
      [MESHTUNE.applied]: "gpu-inference",
    });
    // Its keys are kept; proxyMetadata is merged in.
    expect(proxyConfig(stored)).toEqual({
      terminationDrainDuration: "45s",
      concurrency: 4,
      proxyMetadata: drain.proxyMetadata,
    });
    expect(warnings).toEqual(tunedByEngine(pod, config).warnings);
    expect(warnings).toContain(
      `meshtune: kept ${ISTIO.proxyCPU}="1" set by the pod (meshtune: "${gpuInference.sidecar.istio.cpuRequest}")`,
    );
  });

  it("keeps a startupProbe the container has, and still adds the warmup hook", async () => {
    const pod = fixtureIn("vllm-deployment", OPTED_IN, "llama-3-8b-own-probe");
    const own = { httpGet: { path: "/health", port: 8000 }, failureThreshold: 60 };
    container(pod, "vllm").startupProbe = own;

    const { warnings } = await createPod(env.cluster, pod);
    const vllm = container(await storedPod(env.cluster, OPTED_IN, "llama-3-8b-own-probe"), "vllm");

    expect(vllm.startupProbe).toMatchObject(own);
    expect(vllm.startupProbe?.exec).toBeUndefined();
    expect(vllm.lifecycle?.postStart?.exec).toBeDefined();
    expect(warnings).toContain(
      'meshtune: kept the startupProbe of container "vllm"; it does not wait for the warmup',
    );
  });

  it("keeps a postStart hook the container has, and adds no warmup", async () => {
    const pod = fixtureIn("vllm-deployment", OPTED_IN, "llama-3-8b-own-hook");
    const own = { postStart: { exec: { command: ["/bin/sh", "-c", "touch /tmp/started"] } } };
    container(pod, "vllm").lifecycle = own;

    const { warnings } = await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, OPTED_IN, "llama-3-8b-own-hook");

    expect(container(stored, "vllm").lifecycle).toEqual({
      ...own,
      preStop: { sleep: { seconds: 5 } },
    });
    expect(container(stored, "vllm").startupProbe).toBeUndefined();
    expect(volumeNames(stored)).not.toContain(WARMUP_VOLUME);
    expect(stored.metadata?.annotations).toMatchObject(sidecarAnnotations(false));
    expect(warnings).toContain(
      'meshtune: kept the postStart hook of container "vllm"; no warmup for it',
    );
  });

  it("puts a training job's GPU pod out of the mesh, the sidecar and ambient, with two labels", async () => {
    const pod = fixtureIn("training-job", OPTED_IN, "finetune-llama-x7k2p");
    await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, OPTED_IN, "finetune-llama-x7k2p");

    expect(stored.metadata?.labels).toEqual({
      ...pod.metadata?.labels,
      [ISTIO.inject]: "false",
      [ISTIO.dataplaneMode]: "none",
    });
    expect(stored.metadata?.annotations).toEqual({
      [LINKERD.inject]: "disabled",
      [MESHTUNE.applied]: "training",
    });
  });
});

describe("pods meshtune leaves alone", () => {
  it("stores a CPU-only web pod in an opted-in namespace exactly as sent", async () => {
    const pod = fixtureIn("web-cpu-pod", OPTED_IN);
    const { warnings } = await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, OPTED_IN, "storefront-web");

    expect(warnings).toEqual([]);
    expect(stored.metadata?.annotations).toBeUndefined();
    expect(stored.metadata?.labels).toEqual(pod.metadata?.labels);
    expect(container(stored, "web").lifecycle).toBeUndefined();
    expect(volumeNames(stored)).not.toContain(WARMUP_VOLUME);
    // The apiserver did ask: meshtune looked at the pod and chose to leave it.
    expect((await reviews(OPTED_IN)).filter((line) => line.name === "storefront-web")).toEqual([
      expect.objectContaining({ outcome: "skipped", skipped: "not a GPU or inference pod" }),
    ]);
  });

  it("never sees a vLLM pod in a namespace without meshtune.dev/enabled=true", async () => {
    const pod = fixtureIn("vllm-deployment", NOT_OPTED_IN, "llama-3-8b-0");
    const { warnings } = await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, NOT_OPTED_IN, "llama-3-8b-0");

    expect(warnings).toEqual([]);
    expect(stored.metadata?.annotations).toBeUndefined();
    expect(container(stored, "vllm").lifecycle).toBeUndefined();
    expect(container(stored, "vllm").startupProbe).toBeUndefined();
    expect(await reviews(NOT_OPTED_IN)).toEqual([]);
  });

  it("never calls meshtune for a vLLM pod in kube-system, even when that namespace is labelled", async () => {
    // The apiserver labels every namespace with kubernetes.io/metadata.name (since 1.21), which the
    // webhook's namespaceSelector excludes kube-system by; meshtune's own exclusion is the backstop.
    await kubectl(["label", "namespace", "kube-system", "meshtune.dev/enabled=true"]);
    const pod = fixtureIn("vllm-deployment", "kube-system", "llama-3-8b-system");
    const { warnings } = await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, "kube-system", "llama-3-8b-system");

    expect(warnings).toEqual([]);
    expect(stored.metadata?.annotations).toBeUndefined();
    expect(container(stored, "vllm").lifecycle).toBeUndefined();
    expect(await reviews("kube-system")).toEqual([]);
  });

  it("honours meshtune.dev/profile: off on a vLLM pod, and says so", async () => {
    const pod = fixtureIn("vllm-deployment", OPTED_IN, "llama-3-8b-untuned");
    pod.metadata!.labels = { ...pod.metadata?.labels, [MESHTUNE.profile]: "off" };
    const { warnings } = await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, OPTED_IN, "llama-3-8b-untuned");

    expect(stored.metadata?.annotations).toBeUndefined();
    expect(stored.metadata?.labels).toEqual(pod.metadata?.labels);
    expect(container(stored, "vllm").lifecycle).toBeUndefined();
    expect(warnings).toEqual([`meshtune: the pod opts out (${MESHTUNE.profile}: off)`]);
  });
});
