import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Container,
  V1MutatingWebhookConfiguration,
  V1Pod,
  V1ResourceRequirements,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { generateCA } from "../../src/certs/generate.js";
import type { Sizes } from "../../src/policy/meshes/sidecar-sizes.js";
import { loopbackCerts } from "../server/harness.js";
import { istioctlBinary, istioInjectorBinary } from "./binaries.js";
import { childEnv, type Cluster } from "./cluster.js";
import { freePort } from "./free-port.js";
import { startProcess, waitUntilReady, type ManagedProcess } from "./managed-process.js";
import { apply, pointedAt } from "./webhook-registration.js";

/** Istio's namespace, as the release's charts install it. */
export const ISTIO_NAMESPACE = "istio-system";
const READY_MS = 60_000;

/** Istio's sidecar injector, serving Istio's own webhook code on loopback behind the apiserver. */
export interface IstioInjector {
  /** The MutatingWebhookConfiguration the release installs, as registered (pointed at loopback). */
  readonly registered: V1MutatingWebhookConfiguration;
  /** istioctl's version: the Istio commit both binaries were built from. */
  readonly version: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export interface IstioOptions {
  /** `istioctl manifest generate --set` values, e.g. "values.global.proxy.holdApplicationUntilProxyStarts=true". */
  set?: string[];
  /** The istiod environment, e.g. ENABLE_NATIVE_SIDECARS (Istio's default is "auto"). */
  env?: Record<string, string>;
}

/** The objects `istioctl manifest generate` renders from the release's own charts. */
export function istioManifest(set: string[] = []): KubernetesObject[] {
  const args = ["manifest", "generate", ...set.flatMap((value) => ["--set", value])];
  const text = execFileSync(istioctlBinary(), args, { encoding: "utf8", env: childEnv() });
  return parseAllDocuments(text)
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null);
}

function named<T extends KubernetesObject>(
  objects: KubernetesObject[],
  kind: string,
  name: string,
): T {
  const found = objects.find((object) => object.kind === kind && object.metadata?.name === name);
  if (found === undefined)
    throw new Error(`istioctl manifest generate rendered no ${kind} ${name}`);
  return found as T;
}

function injectorReady(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const call = request(`${url}/ready`, { ca, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    call.once("timeout", () => call.destroy(new Error("timed out")));
    call.once("error", reject);
    call.end();
  });
}

/**
 * Installs what Istio's sidecar injection needs from the release's manifest into `cluster` (its
 * namespace and CRDs), starts the injector with the release's injection template, values and
 * mesh config, and registers the release's istio-sidecar-injector configuration, only its client
 * config changed to reach the injector on loopback.
 */
export async function startIstio(
  cluster: Cluster,
  options: IstioOptions = {},
): Promise<IstioInjector> {
  const manifest = istioManifest(options.set);
  await cluster.createNamespace(ISTIO_NAMESPACE);
  const crds = manifest.filter(({ kind }) => kind === "CustomResourceDefinition");
  await cluster.kubectl(
    ["apply", "--server-side", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: crds }),
  );

  const dir = join(cluster.dir, "istio");
  mkdirSync(join(dir, "inject"), { recursive: true });
  const injection = named<V1ConfigMap>(manifest, "ConfigMap", "istio-sidecar-injector").data ?? {};
  writeFileSync(join(dir, "inject", "config"), injection.config ?? "");
  writeFileSync(join(dir, "inject", "values"), injection.values ?? "");
  writeFileSync(
    join(dir, "mesh"),
    named<V1ConfigMap>(manifest, "ConfigMap", "istio").data?.mesh ?? "",
  );
  const certs = loopbackCerts(generateCA({ commonName: "istiod-e2e-ca" }));
  writeFileSync(join(dir, "tls.crt"), certs.serving.cert);
  writeFileSync(join(dir, "tls.key"), certs.serving.key, { mode: 0o600 });

  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const injector: ManagedProcess = startProcess(
    "istio-injector",
    istioInjectorBinary(),
    [
      `--kubeconfig=${cluster.kubeconfig}`,
      `--inject-dir=${join(dir, "inject")}`,
      `--mesh-config=${join(dir, "mesh")}`,
      `--listen=127.0.0.1:${port}`,
      `--tls-cert=${join(dir, "tls.crt")}`,
      `--tls-key=${join(dir, "tls.key")}`,
    ],
    { logFile: join(dir, "istio-injector.log"), env: { ...childEnv(), ...options.env } },
  );
  try {
    await waitUntilReady(injector, "Istio's injector answered /ready", READY_MS, () =>
      injectorReady(url, certs.ca.cert),
    );
    const shipped = named<V1MutatingWebhookConfiguration>(
      manifest,
      "MutatingWebhookConfiguration",
      "istio-sidecar-injector",
    );
    const registered = pointedAt(shipped, { url, caBundle: certs.ca.cert });
    await apply(cluster, registered);
    const version = execFileSync(istioctlBinary(), ["version", "--remote=false", "--short"], {
      encoding: "utf8",
    }).trim();
    return { registered, version, logFile: injector.logFile, stop: () => injector.stop() };
  } catch (error) {
    await injector.stop();
    throw error;
  }
}

/** A node pool, as Istio's ENABLE_NATIVE_SIDECARS=auto sees it: its kubelet's version. */
export interface NodePool {
  name: string;
  kubelet: string;
}

/**
 * A Node object with `kubelet` in its status. The harness has no kubelets: the Node stands for a
 * pool, which pods name with nodeName, and for every node of the cluster to a pod with none.
 */
export async function createNode(cluster: Cluster, { name, kubelet }: NodePool): Promise<void> {
  await apply(cluster, { apiVersion: "v1", kind: "Node", metadata: { name } });
  const status = JSON.stringify({ status: { nodeInfo: { kubeletVersion: kubelet } } });
  await cluster.kubectl([
    "patch",
    "node",
    name,
    "--subresource=status",
    "--type=merge",
    "-p",
    status,
  ]);
}

/** istio-proxy in a stored pod: a native sidecar (an init container) or a classic container. */
export function istioProxy(pod: V1Pod): V1Container | undefined {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find(
    ({ name }) => name === "istio-proxy",
  );
}

/** The resources Istio's injection template renders from the four sidecar.istio.io sizes. */
export function proxyResources(sizes: Sizes): V1ResourceRequirements {
  return {
    requests: { cpu: sizes.cpuRequest, memory: sizes.memoryRequest },
    limits: { cpu: sizes.cpuLimit, memory: sizes.memoryLimit },
  };
}
