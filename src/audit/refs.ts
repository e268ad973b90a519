import type { KubernetesObject } from "@kubernetes/client-node";
import type { ObjectRef } from "./finding.js";
import { namespaceOf } from "./inventory.js";

export function refOf(object: KubernetesObject): ObjectRef {
  return {
    apiVersion: object.apiVersion ?? "",
    kind: object.kind ?? "",
    namespace: namespaceOf(object),
    name: object.metadata?.name ?? "<unnamed>",
  };
}
