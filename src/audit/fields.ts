import { isPlainObject } from "../plain-object.js";

// Objects the audit reads come from files and clusters it does not control: every field is read
// through these, so a wrong type is skipped rather than thrown on.

export function record(value: unknown): Record<string, unknown> | undefined {
  return isPlainObject(value) ? value : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A whole number, as YAML and JSON give it (a quoted "100" too, as the apiserver would refuse). */
export function whole(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** A string-to-string map (labels, annotations, selectors); other entries are dropped. */
export function labels(value: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(record(value) ?? {})) {
    if (typeof entry === "string") map[key] = entry;
  }
  return map;
}

/** Every pair of `selector` is in `labels`; an empty selector matches nothing, as a Service's does. */
export function selects(
  selector: Record<string, string>,
  podLabels: Record<string, string>,
): boolean {
  const pairs = Object.entries(selector);
  return pairs.length > 0 && pairs.every(([key, value]) => podLabels[key] === value);
}
