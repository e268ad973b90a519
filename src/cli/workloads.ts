import type { PodShape } from "../policy/plan.js";

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
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The pod a document creates, or undefined for kinds that create no pods. */
export function locatePod(document: Document): PodLocation | undefined {
  if (document.kind === "Pod") return { pod: document as PodShape, base: "" };
  if (typeof document.kind === "string" && TEMPLATE_KINDS.includes(document.kind)) {
    const template = asObject(document.spec?.template);
    return template && { pod: template as PodShape, base: "/spec/template" };
  }
  if (document.kind === "CronJob") {
    const template = asObject(asObject(asObject(document.spec?.jobTemplate)?.spec)?.template);
    return template && { pod: template as PodShape, base: "/spec/jobTemplate/spec/template" };
  }
  return undefined;
}
