import type {
  V1LifecycleHandler,
  V1ObjectMeta,
  V1PodSpec,
  V1Probe,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";

/** A pod, or the pod template of a workload: the part of it meshtune reads and changes. */
export interface PodShape {
  metadata?: V1ObjectMeta;
  spec?: V1PodSpec;
}

/** Where the pod is being created. */
export interface Target {
  namespace: string;
}

/**
 * One planned change. Changes only add what is missing; the one replacement is the merge of
 * meshtune's keys into a proxy.istio.io/config the pod already carries.
 */
export type Change =
  | { kind: "annotation"; key: string; value: string; replace?: boolean }
  | { kind: "label"; key: string; value: string }
  | { kind: "volume"; volume: V1Volume }
  | { kind: "volumeMount"; container: number; mount: V1VolumeMount }
  | { kind: "postStart"; container: number; handler: V1LifecycleHandler }
  | { kind: "startupProbe"; container: number; probe: V1Probe };

/**
 * Why meshtune did what it did, one short line each. `unchanged` lines (a value already as
 * meshtune would set it) show in --explain but are not sent back as admission warnings.
 */
export interface Decision {
  kind: "selected" | "skipped" | "profile" | "set" | "kept" | "unchanged" | "note";
  message: string;
}

/** What the mesh planners need to know about the rest of the plan. */
export interface MeshOptions {
  /** A warmup hook was planned, so the proxy must be up before the app starts. */
  warmup: boolean;
}

export interface Plan {
  /** The profile applied; undefined when the pod is left alone. */
  profile?: string;
  /** Why the pod is left alone, when it is. */
  skipped?: string;
  decisions: Decision[];
  changes: Change[];
  /** What to tell whoever creates the pod (admission warnings); empty for pods of no concern. */
  warnings: string[];
}
