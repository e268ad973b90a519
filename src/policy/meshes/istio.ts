import type { Profile, SidecarMode } from "../../config/schema.js";
import { parseQuantity } from "../../config/quantity.js";
import {
  annotation,
  decide,
  label,
  proposeAnnotation,
  proposeLabel,
  type Draft,
} from "../draft.js";
import type { Streams } from "../lifecycle.js";
import { DATAPLANE_MODE, NOT_AMBIENT, inAmbient } from "./istio-ambient.js";
import { PROXY_CONFIG, planProxyConfig } from "./istio-proxy-config.js";
import type { MeshAdapter } from "./mesh.js";
import { planSizes } from "./sidecar-sizes.js";

/** The labels and annotations Istio's injector reads that meshtune writes. */
export const ISTIO = {
  inject: "sidecar.istio.io/inject",
  dataplaneMode: DATAPLANE_MODE,
  proxyCPU: "sidecar.istio.io/proxyCPU",
  proxyMemory: "sidecar.istio.io/proxyMemory",
  proxyCPULimit: "sidecar.istio.io/proxyCPULimit",
  proxyMemoryLimit: "sidecar.istio.io/proxyMemoryLimit",
  proxyImage: "sidecar.istio.io/proxyImage",
  nativeSidecar: "sidecar.istio.io/nativeSidecar",
  proxyConfig: PROXY_CONFIG,
} as const;

const MAX_CONCURRENCY = 256;
const PROXY = "istio-proxy";

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

/** The sidecar mode the pod will have (undefined: Istio decides), and whether that is news. */
interface Mode {
  effective: "native" | "classic" | undefined;
  news: boolean;
}

/**
 * Pins the sidecar mode with the one value each Istio from 1.24 reads the same way: exactly
 * "true" or "false" (1.24-1.26 take only "true" as native; 1.27+ anything but "false"). A value
 * of the pod's other than those two, which versions read differently, leaves the mode to Istio.
 */
function planMode(draft: Draft, mode: SidecarMode): Mode {
  const ours = { native: "true", classic: "false", "mesh-default": undefined }[mode];
  const theirs = annotation(draft, ISTIO.nativeSidecar);
  if (ours !== undefined) proposeAnnotation(draft, ISTIO.nativeSidecar, ours);
  const value = theirs ?? ours;
  const effective = value === "true" ? "native" : value === "false" ? "classic" : undefined;
  // Told again only when it is news: not for a pod that already carries meshtune's choice.
  return { effective, news: ours === undefined || theirs !== ours };
}

/**
 * What lets the longest stream finish: in a classic sidecar pilot-agent drains for
 * terminationDrainDuration after SIGTERM, or, with EXIT_ON_ZERO_ACTIVE_CONNECTIONS, until the
 * last connection has closed (pkg/envoy/agent.go terminate). A native sidecar drains from its
 * preStop and gets SIGTERM only after the app has exited.
 */
function drain(streams: Streams | undefined): Record<string, unknown> {
  if (streams === undefined) return {};
  return {
    terminationDrainDuration: `${streams.longestSeconds}s`,
    proxyMetadata: { EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true" },
  };
}

function explainMode(draft: Draft, { effective, news }: Mode, held: boolean): void {
  const about = { kind: news ? "note" : "info", detail: "Istio", container: PROXY } as const;
  if (effective === "native") {
    decide(draft, { code: "sidecar-native", ...about, ours: "startupProbe" });
  } else if (effective === "classic") {
    const ours = held ? "holdApplicationUntilProxyStarts" : undefined;
    decide(draft, { code: "sidecar-classic", ...about, ...(ours && { ours }) });
  } else {
    const ours = "1.27+: native where every kubelet is 1.33 or newer, else classic";
    decide(draft, { code: "sidecar-mesh-default", ...about, ours });
  }
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
    // Keeping out of a sidecar does not keep a pod out of ambient: only this label does.
    proposeLabel(draft, ISTIO.dataplaneMode, NOT_AMBIENT);
  },

  tune(draft, profile, { warmup, lifecycle, ambientNamespace }) {
    if (inAmbient(draft, ambientNamespace, ISTIO.inject)) return;
    const sidecar = profile.sidecar.istio;
    planSizes(draft, SIZE_KEYS, sidecar, "Istio will reject this pod");
    if (sidecar.image !== undefined) proposeAnnotation(draft, ISTIO.proxyImage, sidecar.image);
    const mode = planMode(draft, lifecycle.mode);
    // A native sidecar's startupProbe holds the app; Istio ignores the hold there.
    const hold = warmup && mode.effective !== "native";
    const config = planProxyConfig(draft, {
      concurrency: concurrency(draft, sidecar),
      ...(hold ? { holdApplicationUntilProxyStarts: true } : {}),
      ...drain(lifecycle.streams),
    });
    explainMode(draft, mode, config?.holdApplicationUntilProxyStarts === true);
    decide(draft, { kind: "info", code: "proxy-config-resources" });
  },
};
