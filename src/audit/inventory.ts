import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1Namespace,
  V1Pod,
  V1Service,
} from "@kubernetes/client-node";
import type { PodShape } from "../policy/pod.js";

/** A workload object with a pod template: a Deployment, StatefulSet, Job, CronJob... */
export interface Template {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  pod: PodShape;
}

/** An object of a kind the audit reads but whose schema it does not type (Istio, Gateway API). */
export type Resource = KubernetesObject & { spec?: unknown };

/** Everything the audit reads, from a cluster or from files; it never writes. */
export interface Inventory {
  /** Namespaces whose labels are known; the opt-in label is looked up here. */
  namespaces: V1Namespace[];
  pods: V1Pod[];
  templates: Template[];
  services: V1Service[];
  virtualServices: Resource[];
  destinationRules: Resource[];
  envoyFilters: Resource[];
  sidecars: Resource[];
  /** Gateway API and Linkerd HTTPRoutes, and GRPCRoutes: the kind tells them apart. */
  routes: Resource[];
  /** istiod Deployments: the Istio control plane, one per revision. */
  istiods: V1Deployment[];
  /** Linkerd's linkerd-config ConfigMap, when there is one. */
  linkerdConfig?: V1ConfigMap;
  /** Lines on what could not be read, e.g. a kind the cluster does not serve. */
  notes: string[];
}

export function emptyInventory(): Inventory {
  return {
    namespaces: [],
    pods: [],
    templates: [],
    services: [],
    virtualServices: [],
    destinationRules: [],
    envoyFilters: [],
    sidecars: [],
    routes: [],
    istiods: [],
    notes: [],
  };
}

export function namespaceOf(object: KubernetesObject): string {
  return object.metadata?.namespace ?? "default";
}
