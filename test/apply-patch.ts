import fastJsonPatch, { type Operation } from "fast-json-patch";

/**
 * `document` with `patch` applied as the apiserver applies it: every operation validated, on
 * copies (fast-json-patch inserts values by reference).
 */
export function applied<T>(document: T, patch: Operation[]): T {
  return fastJsonPatch.applyPatch(structuredClone(document), structuredClone(patch), true, false)
    .newDocument;
}
