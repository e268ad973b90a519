import { poolFindings } from "./connection-pools.js";
import { labels, list, record, selects } from "./fields.js";
import type { Finding } from "./finding.js";
import type { Floors } from "./floors.js";
import { namespaceOf, type Resource } from "./inventory.js";
import { refOf } from "./refs.js";

function selectorOf(resource: Resource): Record<string, string> | undefined {
  const selector = record(record(resource.spec)?.workloadSelector);
  return selector === undefined ? undefined : labels(selector.labels);
}

/**
 * The Sidecar resource Istio applies to a pod: one whose workloadSelector matches it in its
 * namespace, else the namespace's default (no selector), else the root namespace's default.
 */
export function sidecarFor(
  sidecars: Resource[],
  namespace: string,
  podLabels: Record<string, string>,
  rootNamespaces: string[],
): Resource | undefined {
  const inNamespace = sidecars.filter((sidecar) => namespaceOf(sidecar) === namespace);
  const selected = inNamespace.find((sidecar) => {
    const selector = selectorOf(sidecar);
    return selector !== undefined && selects(selector, podLabels);
  });
  const fallback = (candidates: Resource[]) =>
    candidates.find((sidecar) => selectorOf(sidecar) === undefined);
  return (
    selected ??
    fallback(inNamespace) ??
    fallback(sidecars.filter((sidecar) => rootNamespaces.includes(namespaceOf(sidecar))))
  );
}

/** Inbound pool ceilings of the pod's own proxy: inboundConnectionPool and each ingress listener's. */
export function sidecarFindings(sidecar: Resource | undefined, floors: Floors): Finding[] {
  if (sidecar === undefined) return [];
  const object = refOf(sidecar);
  const spec = record(sidecar.spec);
  return [
    ...poolFindings(
      spec?.inboundConnectionPool,
      ["spec", "inboundConnectionPool"],
      object,
      floors,
      "server",
    ),
    ...list(spec?.ingress).flatMap((listener, index) =>
      poolFindings(
        record(listener)?.connectionPool,
        ["spec", "ingress", index, "connectionPool"],
        object,
        floors,
        "server",
      ),
    ),
  ];
}
