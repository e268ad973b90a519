import { randomUUID } from "node:crypto";
import type { V1Pod } from "@kubernetes/client-node";
import type { AdmissionApiVersion, AdmissionReviewRequest } from "./review.js";

export interface PodReviewOptions {
  uid?: string;
  dryRun?: boolean;
  apiVersion?: AdmissionApiVersion;
}

/** The AdmissionReview the apiserver sends when `pod` is created: for the demo, tests and benchmarks. */
export function podCreationReview(
  pod: V1Pod,
  options: PodReviewOptions = {},
): AdmissionReviewRequest & { request: Record<string, unknown> } {
  const pods = { group: "", version: "v1", resource: "pods" };
  const kind = { group: "", version: "v1", kind: "Pod" };
  return {
    apiVersion: options.apiVersion ?? "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: options.uid ?? randomUUID(),
      kind,
      resource: pods,
      requestKind: kind,
      requestResource: pods,
      name: pod.metadata?.name,
      namespace: pod.metadata?.namespace,
      operation: "CREATE",
      userInfo: {
        username: "system:serviceaccount:kube-system:replicaset-controller",
        groups: ["system:serviceaccounts", "system:authenticated"],
      },
      object: pod,
      oldObject: null,
      dryRun: options.dryRun ?? false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
    },
  };
}
