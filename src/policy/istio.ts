import type { Profile } from "../config/schema.js";
import { parseQuantity } from "../config/quantity.js";
import { annotation, decide, label, proposeAnnotation, proposeLabel, type Draft } from "./draft.js";
import { ISTIO } from "./keys.js";
import type { MeshOptions } from "./plan.js";
import { planProxyConfig } from "./proxy-config.js";
import { planSizes } from "./sidecar-resources.js";

const MAX_CONCURRENCY = 256;

const SIZE_KEYS = {
  cpuRequest: ISTIO.proxyCPU,
  cpuLimit: ISTIO.proxyCPULimit,
  memoryRequest: ISTIO.proxyMemory,
  memoryLimit: ISTIO.proxyMemoryLimit,
};

/** Envoy's worker count: the profile's, else the CPU limit in whole cores, never the node's core count. */
function concurrency(draft: Draft, sidecar: Profile["sidecar"]["istio"]): number {
  if (sidecar.concurrency !== undefined) return sidecar.concurrency;
  const theirs = annotation(draft, ISTIO.proxyCPULimit);
  const cores = parseQuantity(theirs ?? sidecar.cpuLimit) ?? parseQuantity(sidecar.cpuLimit) ?? 1;
  // The pod's own limit can be any quantity; Istio refuses a concurrency outside int32.
  return Math.min(MAX_CONCURRENCY, Math.max(1, Math.ceil(cores)));
}

/** Istio's injectRequired: any value but y, yes, true or on (any case) turns injection off. */
function optsOut(value: string | undefined): boolean {
  return (
    value !== undefined && value !== "" && !["y", "yes", "true", "on"].includes(value.toLowerCase())
  );
}

export function planIstio(draft: Draft, profile: Profile, options: MeshOptions): void {
  // The label wins over the (deprecated) annotation, as in Istio.
  const inject = label(draft, ISTIO.inject) ?? annotation(draft, ISTIO.inject);
  if (profile.mode === "opt-out") {
    // The label, not the deprecated annotation: only the label keeps istiod from being called.
    proposeLabel(draft, ISTIO.inject, "false");
    return;
  }
  if (optsOut(inject)) {
    decide(
      draft,
      "note",
      `Istio: the pod sets ${ISTIO.inject}=${inject}, so its sidecar is not tuned`,
    );
    return;
  }
  const sidecar = profile.sidecar.istio;
  planSizes(draft, SIZE_KEYS, sidecar, { onInvalid: "Istio will reject this pod" });
  if (sidecar.image !== undefined) proposeAnnotation(draft, ISTIO.proxyImage, sidecar.image);
  planProxyConfig(draft, {
    concurrency: concurrency(draft, sidecar),
    ...(options.warmup ? { holdApplicationUntilProxyStarts: true } : {}),
  });
}
