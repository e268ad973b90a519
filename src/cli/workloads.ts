import { isPlainObject } from "../plain-object.js";
import type { PodShape } from "../policy/pod.js";

/** Where a document keeps its pod: the pod itself, or a workload's pod template. */
export interface PodLocation {
  pod: PodShape;
  /** JSON Pointer from the document to the pod (metadata and spec). */
  base: string;
}

type Document = Record<string, unknown> & { kind?: unknown; spec?: Record<string, unknown> };

const TEMPLATE_KINDS = [
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "ReplicationController",
];

function asObject(value: unknown): Record<string, unknown> | undefined {
  return isPlainObject(value) ? value : undefined;
}

/** Why the pod cannot be read as a pod, for input that did not come from an apiserver. */
export function podShapeProblem(pod: PodShape): string | undefined {
  const { metadata, spec } = pod as Record<string, unknown> & {
    metadata?: unknown;
    spec?: unknown;
  };
  if (metadata != null && !isPlainObject(metadata)) return "metadata is not a mapping";
  for (const map of ["annotations", "labels"]) {
    const value = isPlainObject(metadata) ? metadata[map] : undefined;
    if (value != null && !isPlainObject(value)) return `metadata.${map} is not a mapping`;
  }
  if (!isPlainObject(spec)) return "spec is not a mapping";
  for (const list of ["containers", "initContainers", "volumes"]) {
    const value = spec[list];
    if (value != null && !(Array.isArray(value) && value.every(isPlainObject))) {
      return `spec.${list} is not a list of mappings`;
    }
  }
  return undefined;
}

/** The pod a document creates, or undefined for kinds that create no pods. */
export function locatePod(document: Document): PodLocation | undefined {
  if (document.kind === "Pod") return { pod: document as PodShape, base: "" };
  if (typeof document.kind === "string" && TEMPLATE_KINDS.includes(document.kind)) {
    const template = asObject(document.spec?.template);
    return template && { pod: template, base: "/spec/template" };
  }
  if (document.kind === "CronJob") {
    const template = asObject(asObject(asObject(document.spec?.jobTemplate)?.spec)?.template);
    return template && { pod: template, base: "/spec/jobTemplate/spec/template" };
  }
  return undefined;
}
