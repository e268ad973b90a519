import type { Profile } from "../config/schema.js";
import { annotation, decide, proposeAnnotation, type Draft } from "./draft.js";
import { LINKERD } from "./keys.js";
import type { MeshOptions } from "./plan.js";
import { planSizes } from "./sidecar-resources.js";

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
    const theirs = theirImage === undefined ? LINKERD.proxyVersion : LINKERD.proxyImage;
    decide(
      draft,
      "kept",
      `kept the pod's ${theirs}; not pinning the other half of the Linkerd proxy image`,
    );
    return;
  }
  proposeAnnotation(draft, LINKERD.proxyImage, image);
  proposeAnnotation(draft, LINKERD.proxyVersion, version);
}

export function planLinkerd(draft: Draft, profile: Profile, options: MeshOptions): void {
  if (profile.mode === "opt-out") {
    proposeAnnotation(draft, LINKERD.inject, "disabled");
    return;
  }
  // Linkerd injects only on enabled or ingress; any other value, even an invalid one, means no proxy.
  const inject = annotation(draft, LINKERD.inject);
  if (inject !== undefined && inject !== "enabled" && inject !== "ingress") {
    decide(
      draft,
      "note",
      `Linkerd: the pod sets ${LINKERD.inject}=${inject}, so its proxy is not tuned`,
    );
    return;
  }
  const sidecar = profile.sidecar.linkerd;
  planSizes(draft, SIZE_KEYS, sidecar, { onInvalid: "Linkerd ignores it and uses its default" });
  if (sidecar.image !== undefined && sidecar.version !== undefined)
    planImage(draft, sidecar.image, sidecar.version);
  if (options.warmup) proposeAnnotation(draft, LINKERD.proxyAwait, "enabled");
}
