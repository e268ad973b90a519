import type { KubernetesObject } from "@kubernetes/client-node";
import { eventually } from "../server/harness.js";
import type { Cluster } from "./cluster.js";

const ESTABLISHED_MS = 30_000;

/**
 * Applies CustomResourceDefinitions (server-side: Istio's are too large for the last-applied
 * annotation) and waits until the apiserver serves each. `kubectl wait` alone fails while a new
 * CRD has no conditions yet, so it is retried.
 */
export async function applyCrds(cluster: Cluster, crds: KubernetesObject[]): Promise<void> {
  await cluster.kubectl(
    ["apply", "--server-side", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: crds }),
  );
  const names = crds.map(({ metadata }) => `crd/${metadata?.name ?? ""}`);
  await eventually(
    () => cluster.kubectl(["wait", "--for=condition=Established", "--timeout=5s", ...names]),
    ESTABLISHED_MS,
  );
}
