import type { V1Container, V1ObjectMeta, V1PodSpec } from "@kubernetes/client-node";

/** A pod, or the pod template of a workload: the part of it meshtune reads and changes. */
export interface PodShape {
  metadata?: V1ObjectMeta;
  spec?: V1PodSpec;
}

/** Where the pod is being created. */
export interface Target {
  namespace: string;
  /** meshtune's own namespace, whose pods are never changed whatever the config says. */
  ownNamespace?: string;
  /**
   * The namespace is labelled istio.io/dataplane-mode=ambient. Namespace labels are not in the
   * AdmissionReview: the webhook path the apiserver called says it.
   */
  ambientNamespace?: boolean;
}

/** The init containers, then the containers. */
export function allContainers(pod: PodShape): V1Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}
