import type { Profile } from "../../config/schema.js";
import { parseQuantity } from "../../config/quantity.js";
import { annotation, label, proposeAnnotation, proposeLabel, type Draft } from "../draft.js";
import { PROXY_CONFIG, planProxyConfig } from "./istio-proxy-config.js";
import type { MeshAdapter } from "./mesh.js";
import { planSizes } from "./sidecar-sizes.js";

/** The labels and annotations Istio's injector reads that meshtune writes. */
export const ISTIO = {
  inject: "sidecar.istio.io/inject",
  proxyCPU: "sidecar.istio.io/proxyCPU",
  proxyMemory: "sidecar.istio.io/proxyMemory",
  proxyCPULimit: "sidecar.istio.io/proxyCPULimit",
  proxyMemoryLimit: "sidecar.istio.io/proxyMemoryLimit",
  proxyImage: "sidecar.istio.io/proxyImage",
  proxyConfig: PROXY_CONFIG,
} as const;

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

export const istio: MeshAdapter = {
  name: "istio",
  title: "Istio",
  containers: ["istio-proxy", "istio-init", "istio-validation"],

  optedOut(draft) {
    // The label wins over the (deprecated) annotation, as in Istio.
    const key = ISTIO.inject;
    const value = label(draft, key) ?? annotation(draft, key);
    // Istio's injectRequired: any value but y, yes, true or on (any case) turns injection off.
    const off =
      value !== undefined &&
      value !== "" &&
      !["y", "yes", "true", "on"].includes(value.toLowerCase());
    return off ? { key, value } : undefined;
  },

  optOut(draft) {
    // The label, not the deprecated annotation: only the label keeps istiod from being called.
    proposeLabel(draft, ISTIO.inject, "false");
  },

  tune(draft, profile, { warmup }) {
    const sidecar = profile.sidecar.istio;
    planSizes(draft, SIZE_KEYS, sidecar, "Istio will reject this pod");
    if (sidecar.image !== undefined) proposeAnnotation(draft, ISTIO.proxyImage, sidecar.image);
    planProxyConfig(draft, {
      concurrency: concurrency(draft, sidecar),
      ...(warmup ? { holdApplicationUntilProxyStarts: true } : {}),
    });
  },
};
