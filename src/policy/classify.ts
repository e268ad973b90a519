import type { Config, Signal } from "../config/schema.js";
import { acceleratorRequests } from "./accelerators.js";
import type { Decision } from "./decision.js";
import { MESH_ADAPTERS } from "./meshes/registry.js";
import { modelServerContainers, SERVER_NAMES } from "./model-servers.js";
import { allContainers, type PodShape, type Target } from "./pod.js";
import { matchesSelector } from "./selector.js";

/** One reason a pod counts as a GPU or inference pod, with what it was found on. */
export type Evidence = { signal: Signal } & Pick<
  Decision,
  "container" | "key" | "theirs" | "detail"
>;

/** The line that tells one piece of evidence. */
export function selectionDecision({ signal, ...found }: Evidence): Decision {
  return { kind: "selected", code: `selected-${signal}`, ...found };
}

const ALWAYS_EXCLUDED = ["kube-system"];

/** Why meshtune must leave this pod alone whatever its profile, or undefined. */
export function exclusion(pod: PodShape, target: Target, config: Config): Decision | undefined {
  const { namespace } = target;
  if (namespace === target.ownNamespace) {
    return { kind: "skipped", code: "skipped-own-namespace", theirs: namespace };
  }
  if (ALWAYS_EXCLUDED.includes(namespace) || config.excludedNamespaces.includes(namespace)) {
    return { kind: "skipped", code: "skipped-namespace", theirs: namespace };
  }
  if (pod.spec?.hostNetwork) return { kind: "skipped", code: "skipped-host-network" };
  const injected = allContainers(pod).find((container) =>
    MESH_ADAPTERS.some((mesh) => mesh.containers.includes(container.name)),
  );
  if (injected) return { kind: "skipped", code: "skipped-injected", container: injected.name };
  return undefined;
}

/** Everything that makes this pod a GPU or inference pod, under the config's selection rules. */
export function gatherEvidence(pod: PodShape, config: Config): Evidence[] {
  const { selection } = config;
  const evidence: Evidence[] = acceleratorRequests(pod, selection.gpuResources).map(
    ({ container, resource }) => ({ signal: "gpu", container, key: resource }),
  );
  const claims = pod.spec?.resourceClaims ?? [];
  if (selection.dra && claims.length > 0) {
    evidence.push({ signal: "dra", detail: claims.map((claim) => claim.name).join(", ") });
  }
  const runtimeClass = pod.spec?.runtimeClassName;
  if (runtimeClass !== undefined && selection.runtimeClassNames.includes(runtimeClass)) {
    evidence.push({ signal: "runtimeClass", theirs: runtimeClass });
  }
  const labels = pod.metadata?.labels ?? {};
  if (selection.inferenceSelectors.some((selector) => matchesSelector(labels, selector))) {
    evidence.push({ signal: "inferenceLabel" });
  }
  if (selection.modelServers) {
    for (const server of modelServerContainers(pod)) {
      evidence.push({
        signal: "modelServer",
        container: server.name,
        detail: SERVER_NAMES[server.kind],
      });
    }
  }
  return evidence;
}
