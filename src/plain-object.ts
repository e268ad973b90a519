/** A JSON object: not null, not an array. Input from YAML, JSON and the apiserver is checked with it. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
