import { parseQuantity } from "../../config/quantity.js";
import { annotation, decide, proposeAnnotation, type Draft } from "../draft.js";

export interface Sizes {
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
}

/** The annotation keys a mesh reads the four sidecar sizes from. */
export type SizeKeys = Record<keyof Sizes, string>;

interface Pair {
  request: string;
  limit: string;
}

/**
 * Proposes a request/limit pair. A value the pod set is kept; ours is left out, with a warning,
 * where it would put a request above a limit, which the apiserver would refuse. `onInvalid` is
 * what the mesh does with a value that is no quantity, told when the pod carries one.
 */
function planPair(draft: Draft, keys: Pair, wanted: Pair, onInvalid: string): void {
  const theirs = { request: annotation(draft, keys.request), limit: annotation(draft, keys.limit) };
  for (const side of ["request", "limit"] as const) {
    const value = theirs[side];
    if (value !== undefined && parseQuantity(value) === undefined) {
      decide(draft, {
        kind: "note",
        code: "invalid-quantity",
        key: keys[side],
        theirs: value,
        detail: onInvalid,
      });
    }
  }
  const [userRequest, userLimit] = [theirs.request, theirs.limit].map((text) =>
    text === undefined ? undefined : parseQuantity(text),
  );
  const ourRequest = parseQuantity(wanted.request) ?? 0;
  const ourLimit = parseQuantity(wanted.limit) ?? 0;
  const conflicts = {
    request:
      theirs.request === undefined && userLimit !== undefined && ourRequest > userLimit
        ? ({ code: "request-above-limit", other: "limit" } as const)
        : undefined,
    limit:
      theirs.limit === undefined && userRequest !== undefined && ourLimit < userRequest
        ? ({ code: "limit-below-request", other: "request" } as const)
        : undefined,
  };
  for (const side of ["request", "limit"] as const) {
    const conflict = conflicts[side];
    if (conflict === undefined) {
      proposeAnnotation(draft, keys[side], wanted[side]);
      continue;
    }
    decide(draft, {
      kind: "note",
      code: conflict.code,
      key: keys[side],
      ours: wanted[side],
      detail: keys[conflict.other],
      theirs: theirs[conflict.other],
    });
  }
}

/** Proposes all four sizes: setting only some would drop the mesh's defaults for the rest. */
export function planSizes(draft: Draft, keys: SizeKeys, sizes: Sizes, onInvalid: string): void {
  for (const resource of ["cpu", "memory"] as const) {
    planPair(
      draft,
      { request: keys[`${resource}Request`], limit: keys[`${resource}Limit`] },
      { request: sizes[`${resource}Request`], limit: sizes[`${resource}Limit`] },
      onInvalid,
    );
  }
}
