import { annotation, decide, proposeAnnotation, type Draft } from "../draft.js";
import type { MeshAdapter } from "./mesh.js";
import { planSizes } from "./sidecar-sizes.js";

/** The annotations Linkerd's injector reads that meshtune writes. */
export const LINKERD = {
  inject: "linkerd.io/inject",
  cpuRequest: "config.linkerd.io/proxy-cpu-request",
  cpuLimit: "config.linkerd.io/proxy-cpu-limit",
  memoryRequest: "config.linkerd.io/proxy-memory-request",
  memoryLimit: "config.linkerd.io/proxy-memory-limit",
  proxyImage: "config.linkerd.io/proxy-image",
  proxyVersion: "config.linkerd.io/proxy-version",
  proxyAwait: "config.linkerd.io/proxy-await",
} as const;

const SIZE_KEYS = {
  cpuRequest: LINKERD.cpuRequest,
  cpuLimit: LINKERD.cpuLimit,
  memoryRequest: LINKERD.memoryRequest,
  memoryLimit: LINKERD.memoryLimit,
};

/** Image and version are one pin: Linkerd renders <image>:<version>, so half of ours on half of theirs is wrong. */
function planImage(draft: Draft, image: string, version: string): void {
  const theirImage = annotation(draft, LINKERD.proxyImage);
  const theirVersion = annotation(draft, LINKERD.proxyVersion);
  if ((theirImage === undefined) !== (theirVersion === undefined)) {
    const key = theirImage === undefined ? LINKERD.proxyVersion : LINKERD.proxyImage;
    decide(draft, { kind: "kept", code: "kept-image-half", key, detail: linkerd.title });
    return;
  }
  proposeAnnotation(draft, LINKERD.proxyImage, image);
  proposeAnnotation(draft, LINKERD.proxyVersion, version);
}

export const linkerd: MeshAdapter = {
  name: "linkerd",
  title: "Linkerd",
  containers: ["linkerd-proxy", "linkerd-init", "linkerd-network-validator"],

  optedOut(draft) {
    // Linkerd injects only on enabled or ingress; any other value, even an invalid one, means no proxy.
    const key = LINKERD.inject;
    const value = annotation(draft, key);
    return value !== undefined && value !== "enabled" && value !== "ingress"
      ? { key, value }
      : undefined;
  },

  optOut(draft) {
    proposeAnnotation(draft, LINKERD.inject, "disabled");
  },

  tune(draft, profile, { warmup }) {
    const sidecar = profile.sidecar.linkerd;
    planSizes(draft, SIZE_KEYS, sidecar, "Linkerd ignores it and uses its default");
    if (sidecar.image !== undefined && sidecar.version !== undefined)
      planImage(draft, sidecar.image, sidecar.version);
    if (warmup) proposeAnnotation(draft, LINKERD.proxyAwait, "enabled");
  },
};
