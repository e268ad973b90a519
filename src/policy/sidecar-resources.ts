import { parseQuantity } from "../config/quantity.js";
import { annotation, decide, proposeAnnotation, type Draft } from "./draft.js";

export interface Sizes {
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
}

/** The annotation keys a mesh reads the four sidecar sizes from. */
export type SizeKeys = Record<keyof Sizes, string>;

export interface ResourceOptions {
  /** What the mesh does with an invalid quantity, told to the user when the pod carries one. */
  onInvalid: string;
}

/**
 * Proposes a request/limit pair. A value the pod set is kept; ours is left out, with a warning,
 * where it would put a request above a limit, which the apiserver would refuse.
 */
function planPair(
  draft: Draft,
  keys: { request: string; limit: string },
  wanted: { request: string; limit: string },
  options: ResourceOptions,
): void {
  const theirs = { request: annotation(draft, keys.request), limit: annotation(draft, keys.limit) };
  for (const side of ["request", "limit"] as const) {
    const value = theirs[side];
    if (value !== undefined && parseQuantity(value) === undefined) {
      decide(
        draft,
        "note",
        `${keys[side]}=${JSON.stringify(value)} is not a quantity; ${options.onInvalid}`,
      );
    }
  }
  const userRequest = theirs.request === undefined ? undefined : parseQuantity(theirs.request);
  const userLimit = theirs.limit === undefined ? undefined : parseQuantity(theirs.limit);
  const ourRequest = parseQuantity(wanted.request) ?? 0;
  const ourLimit = parseQuantity(wanted.limit) ?? 0;
  if (userLimit !== undefined && theirs.request === undefined && ourRequest > userLimit) {
    decide(
      draft,
      "note",
      `not setting ${keys.request}=${wanted.request}: above the pod's ${keys.limit}=${theirs.limit}`,
    );
  } else {
    proposeAnnotation(draft, keys.request, wanted.request);
  }
  if (userRequest !== undefined && theirs.limit === undefined && ourLimit < userRequest) {
    decide(
      draft,
      "note",
      `not setting ${keys.limit}=${wanted.limit}: below the pod's ${keys.request}=${theirs.request}`,
    );
  } else {
    proposeAnnotation(draft, keys.limit, wanted.limit);
  }
}

/** Proposes all four sizes: setting only some would drop the mesh's defaults for the rest. */
export function planSizes(
  draft: Draft,
  keys: SizeKeys,
  sizes: Sizes,
  options: ResourceOptions,
): void {
  planPair(
    draft,
    { request: keys.cpuRequest, limit: keys.cpuLimit },
    { request: sizes.cpuRequest, limit: sizes.cpuLimit },
    options,
  );
  planPair(
    draft,
    { request: keys.memoryRequest, limit: keys.memoryLimit },
    { request: sizes.memoryRequest, limit: sizes.memoryLimit },
    options,
  );
}
