import type { Config } from "../config/schema.js";
import type { Change } from "../policy/change.js";
import type { PodShape } from "../policy/pod.js";
import { explain } from "../policy/decision.js";
import { isAmbientNamespace } from "../policy/meshes/istio-ambient.js";
import { planPod } from "../policy/planner.js";
import type { Workload } from "./workloads.js";

/** One change the webhook would make, in the terms of the plan: kind, key and value, container. */
export interface PlannedChange {
  kind: string;
  key?: string;
  value?: string | number | boolean;
  /** The container's name, for changes to one container. */
  container?: string;
  /** The volume's name, for a volume. */
  volume?: string;
}

/** The pod half: what the webhook would change on the workload's next pods, and why it keeps what it keeps. */
export interface PodHalf {
  profile: string;
  changes: PlannedChange[];
  /** Values the pod sets itself, which meshtune keeps. */
  kept: string[];
  notes: string[];
}

type Fields = { key?: unknown; value?: unknown; container?: unknown; volume?: { name?: unknown } };

// Read from the change's own fields, not from a list of kinds, so a kind added to the planner
// is summarised without a change here.
export function describeChange(change: Change, pod: PodShape): PlannedChange {
  const { key, value, container, volume } = change as Change & Fields;
  const primitive = ["string", "number", "boolean"].includes(typeof value);
  return {
    kind: change.kind,
    ...(typeof key === "string" ? { key } : {}),
    ...(primitive ? { value: value as string | number | boolean } : {}),
    ...(typeof container === "number"
      ? { container: pod.spec?.containers[container]?.name ?? `#${container}` }
      : {}),
    ...(typeof volume?.name === "string" ? { volume: volume.name } : {}),
  };
}

/**
 * What the webhook would do with the workload's pods, with the same engine and config: undefined
 * when it would leave them alone (not a GPU or inference pod, excluded, opted out). The
 * namespace's labels, where known, say whether the chart's ambient webhook is the one called.
 */
export function podHalf(
  workload: Workload,
  config: Config,
  namespaceLabels?: Record<string, string>,
): PodHalf | undefined {
  const target = {
    namespace: workload.namespace,
    ambientNamespace: isAmbientNamespace(namespaceLabels),
  };
  const plan = planPod(workload.pod, target, config);
  if (plan.profile === undefined) return undefined;
  const messages = (kind: string) =>
    explain(plan.decisions.filter((decision) => decision.kind === kind));
  return {
    profile: plan.profile,
    changes: plan.changes.map((change) => describeChange(change, workload.pod)),
    kept: messages("kept"),
    notes: messages("note"),
  };
}
