import { isPlainObject } from "../plain-object.js";
import type { PodShape } from "../policy/pod.js";

/** Where a document keeps its pod: the pod itself, or a workload's pod template. */
export interface PodLocation {
  pod: PodShape;
  /** JSON Pointer from the document to the pod (metadata and spec). */
  base: string;
}

type Document = Record<string, unknown>;

/** The kinds meshtune reads, and where each keeps the pod it creates. */
const POD_PATHS: Record<string, string[]> = {
  Pod: [],
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** Where a document of `kind` keeps its pod, or undefined for kinds meshtune does not read. */
export function podPath(kind: unknown): string[] | undefined {
  return typeof kind === "string" && Object.hasOwn(POD_PATHS, kind) ? POD_PATHS[kind] : undefined;
}

/** The value at `path` in `document`, or undefined. */
export function valueAt(document: Document, path: string[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (isPlainObject(node) ? node[key] : undefined),
    document,
  );
}

/** The pod a document creates, or undefined for kinds that create none (or no template). */
export function locatePod(document: Document): PodLocation | undefined {
  const path = podPath(document.kind);
  if (path === undefined) return undefined;
  const pod = valueAt(document, path);
  if (!isPlainObject(pod)) return undefined;
  return { pod, base: path.map((key) => `/${key}`).join("") };
}
