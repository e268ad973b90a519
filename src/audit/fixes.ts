import type { KubernetesObject } from "@kubernetes/client-node";
import type { FieldPath } from "./field-path.js";
import { record } from "./fields.js";
import { describeRef, type Finding, type ObjectRef } from "./finding.js";

/** The findings on one object that an edit resolves, and the actions the others need. */
export interface ObjectFix {
  object: ObjectRef;
  findings: Finding[];
}

const refKey = ({ apiVersion, kind, namespace, name }: ObjectRef) =>
  [apiVersion, kind, namespace ?? "", name].join("\u0000");

export function sameObject(a: ObjectRef, b: ObjectRef): boolean {
  return refKey(a) === refKey(b);
}

/** Findings grouped by object, in the order the objects first appear. */
export function fixesByObject(findings: Finding[]): { edits: ObjectFix[]; actions: Finding[] } {
  const edits = new Map<string, ObjectFix>();
  const actions: Finding[] = [];
  for (const finding of findings) {
    if (finding.edit === undefined) {
      actions.push(finding);
      continue;
    }
    const key = refKey(finding.object);
    const fix = edits.get(key) ?? { object: finding.object, findings: [] };
    fix.findings.push(finding);
    edits.set(key, fix);
  }
  return { edits: [...edits.values()], actions };
}

function setIn(target: unknown, path: FieldPath, value: unknown): void {
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], target);
  if (record(parent) === undefined && !Array.isArray(parent))
    throw new Error(`no object at ${path.slice(0, -1).join(".")}`);
  (parent as Record<string | number, unknown>)[path.at(-1) as string | number] = value;
}

/** A copy of `object` with each finding's edit applied. */
export function applyEdits<T>(object: T, findings: Finding[]): T {
  const copy = structuredClone(object);
  for (const { edit } of findings) if (edit) setIn(copy, edit.path, edit.value);
  return copy;
}

const SERVER_FIELDS = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
];
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * The object as `kubectl apply` should be given it: whole (its lists are replaced whole on apply,
 * and kubectl deletes what it last applied and is missing now), without what the apiserver keeps
 * for itself.
 */
export function forApply(object: KubernetesObject & { status?: unknown }): KubernetesObject {
  const copy = structuredClone(object);
  delete copy.status;
  const metadata = { ...copy.metadata } as Record<string, unknown>;
  for (const field of SERVER_FIELDS) delete metadata[field];
  const annotations = { ...(record(metadata.annotations) ?? {}) };
  delete annotations[LAST_APPLIED];
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  // In the order manifests are written: apiVersion, kind, metadata, then the rest.
  const body: Record<string, unknown> = { ...copy };
  for (const field of ["apiVersion", "kind", "metadata"]) delete body[field];
  return { apiVersion: copy.apiVersion, kind: copy.kind, metadata, ...body };
}

/** One comment line per change, for the top of the fixed object. */
export function describeFix(fix: ObjectFix): string[] {
  return [
    `${describeRef(fix.object)}:`,
    ...fix.findings.map(
      ({ field, found, edit, why }) => `  ${field}: ${found} → ${String(edit?.value)} (${why})`,
    ),
  ];
}
