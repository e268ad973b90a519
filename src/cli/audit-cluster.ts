import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type * as Client from "@kubernetes/client-node";
import type {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObject,
  V1ConfigMap,
} from "@kubernetes/client-node";
import { emptyInventory, type Inventory, type Resource } from "../audit/inventory.js";
import { AuditError } from "./audit-error.js";

export interface ClusterScope {
  kubeconfig?: string;
  context?: string;
  /** The namespace whose workloads are audited (default: the context's); ignored with allNamespaces. */
  namespace?: string;
  allNamespaces: boolean;
  /** Objects per page of each list (the apiserver's limit). */
  chunkSize: number;
  linkerdNamespace: string;
  onProgress?: (progress: ListProgress) => void;
}

interface ListProgress {
  what: string;
  objects: number;
}

/** How much was read: objects and pages per list, which a large cluster reads in many pages. */
export type ReadCounts = Record<string, { objects: number; pages: number }>;

export interface ClusterRead {
  inventory: Inventory;
  context: string;
  /** The audited namespace, or undefined for all. */
  namespace?: string;
  read: ReadCounts;
}

/** A list as the client returns it: typed lists name the token _continue, custom objects' JSON continue. */
interface Page<T> {
  items: T[];
  metadata?: { _continue?: string; continue?: string };
}

interface Apis {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  server: string;
}

// The Istio, Gateway API and Linkerd kinds the audit reads. They are read in all namespaces
// whatever -n says: a VirtualService or HTTPRoute in front of a Service may live elsewhere.
const CUSTOM_KINDS = [
  {
    field: "virtualServices",
    group: "networking.istio.io",
    version: "v1",
    plural: "virtualservices",
  },
  {
    field: "destinationRules",
    group: "networking.istio.io",
    version: "v1",
    plural: "destinationrules",
  },
  {
    field: "envoyFilters",
    group: "networking.istio.io",
    version: "v1alpha3",
    plural: "envoyfilters",
  },
  { field: "sidecars", group: "networking.istio.io", version: "v1", plural: "sidecars" },
  { field: "routes", group: "gateway.networking.k8s.io", version: "v1", plural: "httproutes" },
  { field: "routes", group: "gateway.networking.k8s.io", version: "v1", plural: "grpcroutes" },
  { field: "routes", group: "policy.linkerd.io", version: "v1beta3", plural: "httproutes" },
] as const;

const statusOf = (error: unknown) => (error as { code?: unknown }).code;

/** What went wrong with a call, as one sentence that says what to do. */
function failure(action: string, error: unknown, apis: Apis): AuditError {
  const status = statusOf(error);
  if (status === 401)
    return new AuditError(
      `cannot ${action}: the cluster refused the credentials (401); check the kubeconfig's user`,
    );
  if (status === 403)
    return new AuditError(
      `cannot ${action}: forbidden (403); bind the read-only ClusterRole meshtune-audit from README.md ("Audit") to this user`,
    );
  if (typeof status === "number")
    return new AuditError(`cannot ${action}: the API answered ${status}`);
  // node-fetch's errors carry the system's code (ECONNREFUSED, CERT_HAS_EXPIRED) as a string.
  const cause = typeof status === "string" ? status : (error as Error).message;
  return new AuditError(
    `cannot reach the cluster at ${apis.server} to ${action}: ${cause}; check the kubeconfig's server and that the cluster is up`,
  );
}

/** Whether the client would find any configuration; without one it would try localhost:8080. */
function kubeconfigFound(): boolean {
  return (
    Boolean(process.env.KUBECONFIG) ||
    existsSync(join(homedir(), ".kube", "config")) ||
    Boolean(process.env.KUBERNETES_SERVICE_HOST)
  );
}

function loadKubeConfig(module: typeof Client, scope: ClusterScope) {
  if (scope.kubeconfig === undefined && !kubeconfigFound())
    throw new AuditError(
      "no kubeconfig: set KUBECONFIG, pass --kubeconfig, or audit files with -f",
    );
  const config: KubeConfig = new module.KubeConfig();
  try {
    if (scope.kubeconfig !== undefined) config.loadFromFile(scope.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new AuditError(`cannot read the kubeconfig: ${(error as Error).message}`);
  }
  if (scope.context !== undefined) {
    if (config.getContextObject(scope.context) === null) {
      const known = config.getContexts().map(({ name }) => name);
      throw new AuditError(
        `the kubeconfig has no context "${scope.context}"; it has ${known.length > 0 ? known.join(", ") : "none"}`,
      );
    }
    config.setCurrentContext(scope.context);
  }
  const cluster = config.getCurrentCluster();
  if (cluster === null)
    throw new AuditError("the kubeconfig names no cluster; set KUBECONFIG or pass --kubeconfig");
  return config;
}

/** What a list's items lack: the apiserver gives each item of a built-in kind no apiVersion or kind. */
interface TypeMeta {
  apiVersion: string;
  kind: string;
}

/** Pages through one list: limit and continue, until the apiserver has no more. */
async function paged<T extends KubernetesObject>(
  what: string,
  scope: ClusterScope,
  read: ReadCounts,
  list: (page: { limit: number; _continue?: string }) => Promise<Page<T>>,
  type?: TypeMeta,
): Promise<T[]> {
  const items: T[] = [];
  const counts = (read[what] = { objects: 0, pages: 0 });
  let token: string | undefined;
  do {
    const page = await list({ limit: scope.chunkSize, ...(token ? { _continue: token } : {}) });
    for (const item of page.items) items.push(type ? Object.assign(item, type) : item);
    counts.pages += 1;
    counts.objects = items.length;
    scope.onProgress?.({ what, objects: items.length });
    token = page.metadata?._continue || page.metadata?.continue || undefined;
  } while (token !== undefined);
  return items;
}

async function readCustomKinds(
  apis: Apis,
  scope: ClusterScope,
  inventory: Inventory,
  read: ReadCounts,
) {
  await Promise.all(
    CUSTOM_KINDS.map(async ({ field, group, version, plural }) => {
      const what = `${plural}.${group}`;
      try {
        const items = await paged<Resource>(
          what,
          scope,
          read,
          (page) =>
            apis.custom.listClusterCustomObject({ group, version, plural, ...page }) as Promise<
              Page<Resource>
            >,
        );
        inventory[field].push(...items);
      } catch (error) {
        if (statusOf(error) !== 404) throw failure(`list ${what}`, error, apis);
        inventory.notes.push(`${what}/${version} is not served by this cluster: skipped`);
      }
    }),
  );
}

async function readLinkerdConfig(
  apis: Apis,
  scope: ClusterScope,
): Promise<V1ConfigMap | undefined> {
  try {
    return await apis.core.readNamespacedConfigMap({
      name: "linkerd-config",
      namespace: scope.linkerdNamespace,
    });
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw failure(`read ConfigMap ${scope.linkerdNamespace}/linkerd-config`, error, apis);
  }
}

type Lister = <T extends KubernetesObject>(
  what: string,
  call: (page: { limit: number; _continue?: string }) => Promise<Page<T>>,
  type?: TypeMeta,
) => Promise<T[]>;

const POD = { apiVersion: "v1", kind: "Pod" };
const SERVICE = { apiVersion: "v1", kind: "Service" };
const DEPLOYMENT = { apiVersion: "apps/v1", kind: "Deployment" };

/** Pods, Services and Deployments: of the audited namespace, or of all of them. */
function workloadLists(apis: Apis, namespace: string | undefined, list: Lister) {
  const { core, apps } = apis;
  if (namespace === undefined) {
    return Promise.all([
      list("pods", (page) => core.listPodForAllNamespaces(page), POD),
      list("services", (page) => core.listServiceForAllNamespaces(page), SERVICE),
      list("deployments", (page) => apps.listDeploymentForAllNamespaces(page), DEPLOYMENT),
    ]);
  }
  return Promise.all([
    list("pods", (page) => core.listNamespacedPod({ namespace, ...page }), POD),
    list("services", (page) => core.listNamespacedService({ namespace, ...page }), SERVICE),
    list(
      "deployments",
      (page) => apps.listNamespacedDeployment({ namespace, ...page }),
      DEPLOYMENT,
    ),
  ]);
}

async function connect(scope: ClusterScope) {
  const module = await import("@kubernetes/client-node");
  const config = loadKubeConfig(module, scope);
  const apis: Apis = {
    core: config.makeApiClient(module.CoreV1Api),
    apps: config.makeApiClient(module.AppsV1Api),
    custom: config.makeApiClient(module.CustomObjectsApi),
    server: config.getCurrentCluster()?.server ?? "",
  };
  const context = config.getCurrentContext();
  const namespace = scope.allNamespaces
    ? undefined
    : (scope.namespace ?? config.getContextObject(context)?.namespace ?? "default");
  return { apis, context, namespace };
}

/**
 * Reads what the audit needs from the cluster the kubeconfig names, with list (and one get)
 * only: it never writes. The client library is loaded only here, for the live audit.
 */
export async function readCluster(scope: ClusterScope): Promise<ClusterRead> {
  const { apis, context, namespace } = await connect(scope);
  const inventory = emptyInventory();
  const read: ReadCounts = {};
  const where = namespace === undefined ? "" : ` in namespace ${namespace}`;
  const list: Lister = async (what, call, type) => {
    try {
      return await paged(what, scope, read, call, type);
    } catch (error) {
      throw failure(`list ${what}${where}`, error, apis);
    }
  };
  const [namespaces, [pods, services, deployments], istiods, linkerdConfig] = await Promise.all([
    list("namespaces", (page) => apis.core.listNamespace(page), {
      apiVersion: "v1",
      kind: "Namespace",
    }),
    workloadLists(apis, namespace, list),
    list(
      "istiod deployments",
      (page) => apis.apps.listDeploymentForAllNamespaces({ labelSelector: "app=istiod", ...page }),
      DEPLOYMENT,
    ),
    readLinkerdConfig(apis, scope),
    readCustomKinds(apis, scope, inventory, read),
  ]);
  inventory.namespaces.push(...namespaces);
  inventory.pods.push(...pods);
  inventory.services.push(...services);
  inventory.istiods.push(...istiods);
  for (const deployment of deployments) {
    inventory.templates.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: deployment.metadata?.namespace ?? "default",
      name: deployment.metadata?.name ?? "",
      pod: deployment.spec?.template ?? {},
    });
  }
  if (linkerdConfig) inventory.linkerdConfig = linkerdConfig;
  else
    inventory.notes.push(
      `no ConfigMap ${scope.linkerdNamespace}/linkerd-config: Linkerd proxy versions not checked`,
    );
  if (istiods.length === 0)
    inventory.notes.push(
      "no istiod Deployment (label app=istiod): Istio proxy versions not checked",
    );
  return { inventory, context, ...(namespace === undefined ? {} : { namespace }), read };
}
