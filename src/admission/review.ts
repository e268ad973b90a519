import type { V1Status } from "@kubernetes/client-node";

// AdmissionReview, admission.k8s.io/v1 and v1beta1 (identical in the fields used here):
// k8s.io/api/admission/v1/types.go.

export const ADMISSION_API_VERSIONS = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"] as const;
export type AdmissionApiVersion = (typeof ADMISSION_API_VERSIONS)[number];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: string;
  /** The object being admitted; null for DELETE. */
  object?: unknown;
  dryRun?: boolean;
}

export interface AdmissionReviewRequest {
  apiVersion: AdmissionApiVersion;
  kind: "AdmissionReview";
  request: AdmissionRequest;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: V1Status;
  patchType?: "JSONPatch";
  /** The JSON Patch, base64. */
  patch?: string;
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: AdmissionApiVersion;
  kind: "AdmissionReview";
  response: AdmissionResponse;
}
