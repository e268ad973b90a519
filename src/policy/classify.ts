import type { Config, Signal } from "../config/schema.js";
import { acceleratorRequests } from "./accelerators.js";
import { MESH_CONTAINERS } from "./keys.js";
import { modelServerContainers, SERVER_NAMES } from "./model-servers.js";
import type { PodShape, Target } from "./plan.js";
import { matchesSelector } from "./selector.js";

/** One reason a pod counts as a GPU or inference pod. */
export interface Evidence {
  signal: Signal;
  reason: string;
}

const ALWAYS_EXCLUDED = ["kube-system"];

/** Why meshtune must leave this pod alone whatever its profile, or undefined. */
export function exclusion(pod: PodShape, target: Target, config: Config): string | undefined {
  if (
    ALWAYS_EXCLUDED.includes(target.namespace) ||
    config.excludedNamespaces.includes(target.namespace)
  ) {
    return `namespace ${target.namespace} is excluded`;
  }
  if (pod.spec?.hostNetwork) return "hostNetwork pods get no sidecar";
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const injected = containers.find((container) => MESH_CONTAINERS.includes(container.name));
  if (injected) return `the pod already carries the mesh container ${injected.name}`;
  return undefined;
}

/** Everything that makes this pod a GPU or inference pod, under the config's selection rules. */
export function gatherEvidence(pod: PodShape, config: Config): Evidence[] {
  const { selection } = config;
  const evidence: Evidence[] = acceleratorRequests(pod, selection.gpuResources).map(
    ({ container, resource }) => ({
      signal: "gpu",
      reason: `container ${container} requests ${resource}`,
    }),
  );
  const claims = pod.spec?.resourceClaims ?? [];
  if (selection.dra && claims.length > 0) {
    evidence.push({
      signal: "dra",
      reason: `it claims DRA devices (${claims.map((claim) => claim.name).join(", ")})`,
    });
  }
  const runtimeClass = pod.spec?.runtimeClassName;
  if (runtimeClass !== undefined && selection.runtimeClassNames.includes(runtimeClass)) {
    evidence.push({
      signal: "runtimeClass",
      reason: `it runs with runtimeClassName ${runtimeClass}`,
    });
  }
  const labels = pod.metadata?.labels ?? {};
  if (selection.inferenceSelectors.some((selector) => matchesSelector(labels, selector))) {
    evidence.push({
      signal: "inferenceLabel",
      reason: "its labels mark it as an inference workload",
    });
  }
  if (selection.modelServers) {
    for (const server of modelServerContainers(pod)) {
      evidence.push({
        signal: "modelServer",
        reason: `container ${server.name} runs ${SERVER_NAMES[server.kind]}`,
      });
    }
  }
  return evidence;
}
