import type { V1Pod } from "@kubernetes/client-node";

/**
 * A pod whose planning throws: a real internal error. The apiserver never sends one like it (it
 * decodes into a typed Pod first), so the engine does not guard against it; readReview refuses
 * it for its shape.
 */
export const brokenPod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { namespace: "inference" },
  spec: { containers: [null] },
} as unknown as V1Pod;
