import type { Config, Profile, SidecarMode } from "../config/schema.js";
import { batchReason } from "./batch.js";
import { decide, type Draft } from "./draft.js";

/** What a pod's shutdown must let finish. */
export interface Streams {
  /** The longest request that must survive the shutdown. */
  longestSeconds: number;
  /** The preStop pause before SIGTERM, while endpoints drop the pod; 0 for none. */
  pauseSeconds: number;
}

/** How the pod's proxies run, decided once for every mesh. */
export interface PodLifecycle {
  /** What meshtune asks each mesh for. */
  mode: SidecarMode;
  /** It runs to completion or a batch controller made it: no warmup, no streams to protect. */
  batch: boolean;
  /** What the shutdown protects; undefined for a batch pod. */
  streams?: Streams;
}

export type LifecycleSettings = Config["lifecycle"];

/**
 * The sidecar mode and the streams to protect. A batch pod gets native sidecars whatever its
 * profile's mode, since a classic one keeps running after the work is done and the pod never
 * completes; native sidecars are switched off for clusters that have none.
 */
export function planLifecycle(
  draft: Draft,
  profile: Profile,
  settings: LifecycleSettings,
): PodLifecycle {
  const batch = batchReason(draft.pod);
  if (batch !== undefined) {
    decide(draft, {
      kind: "note",
      code: settings.nativeSidecars ? "batch-native" : "batch-classic",
      key: batch.key,
      theirs: batch.value,
    });
    return { mode: settings.nativeSidecars ? "native" : "classic", batch: true };
  }
  let mode = profile.sidecar.mode;
  if (mode === "native" && !settings.nativeSidecars) {
    decide(draft, { kind: "info", code: "native-off" });
    mode = "classic";
  }
  return {
    mode,
    batch: false,
    streams: {
      longestSeconds: profile.streams.longestSeconds,
      pauseSeconds: settings.preStopSeconds,
    },
  };
}
