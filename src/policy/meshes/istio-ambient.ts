import { decide, label, type Draft } from "../draft.js";

/** The label that puts a pod, or every pod of a namespace, in Istio's ambient data plane. */
export const DATAPLANE_MODE = "istio.io/dataplane-mode";
const AMBIENT = "ambient";
/** The one value that takes a pod out of ambient. */
export const NOT_AMBIENT = "none";

/**
 * Whether a namespace with these labels is in ambient, as the chart's second webhook selects it
 * (istio.io/dataplane-mode In [ambient]): where meshtune knows the namespace's labels itself (the
 * CLI, the audit) rather than from the webhook path.
 */
export function isAmbientNamespace(labels: Record<string, string> | undefined): boolean {
  return labels?.[DATAPLANE_MODE] === AMBIENT;
}

/**
 * Whether the pod will be in ambient, and a line that says so, after Istio CNI's enablement selectors (1.30.0
 * manifests/charts/istio-cni/values.yaml, the same rules as 1.22's podutil.go): the pod says
 * ambient, or its namespace does and the pod does not say none. A pod that gets a sidecar is
 * never captured, and Istio injects one into a pod labelled sidecar.istio.io/inject=true even in
 * an ambient namespace. The namespace's label is not in the AdmissionReview: the webhook path
 * the apiserver called tells it (`ambientNamespace`).
 */
export function inAmbient(draft: Draft, ambientNamespace: boolean, inject: string): boolean {
  const own = label(draft, DATAPLANE_MODE);
  const where =
    own === AMBIENT ? "pod" : ambientNamespace && own !== NOT_AMBIENT ? "namespace" : undefined;
  if (where === undefined) return false;
  const asked = label(draft, inject);
  if (asked === "true") {
    decide(draft, { kind: "note", code: "ambient-sidecar", key: inject, theirs: asked });
    return false;
  }
  decide(draft, { kind: "note", code: "ambient-pod", key: DATAPLANE_MODE, detail: where });
  return true;
}
