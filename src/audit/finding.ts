import type { FieldPath } from "./field-path.js";

/** error: users see failures in normal use; warning: under load; info: worth knowing. */
export type Severity = "error" | "warning" | "info";

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** The object a finding is about, as kubectl names it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace === undefined ? "" : `${ref.namespace}/`}${ref.name}`;
}

/** The change to the object that resolves a finding: `value` at `path`. */
interface Edit {
  path: FieldPath;
  value: unknown;
}

export interface Finding {
  severity: Severity;
  /** Stable identifier of the check, e.g. "route-timeout". */
  code: string;
  object: ObjectRef;
  /** The field, e.g. spec.http[0].timeout. */
  field: string;
  found: string;
  expected: string;
  /** One line naming the symptom users see. */
  why: string;
  /** What resolves it in YAML; absent when only an action does (see `remedy`). */
  edit?: Edit;
  /** What to do when no YAML change resolves it, e.g. restart the pods. */
  remedy?: string;
}

/** One finding per object, field and value found, however many workloads share it. */
export function findingKey(finding: Finding): string {
  const { apiVersion, kind, namespace, name } = finding.object;
  return [finding.code, apiVersion, kind, namespace ?? "", name, finding.field, finding.found].join(
    "\u0000",
  );
}
