import type { V1LifecycleHandler, V1Probe, V1Volume, V1VolumeMount } from "@kubernetes/client-node";

/**
 * One planned change. Changes only add what is missing; the two replacements are the merge of
 * meshtune's keys into a proxy.istio.io/config the pod already carries, and a
 * terminationGracePeriodSeconds raised from the default the apiserver filled in.
 */
export type Change =
  | { kind: "annotation"; key: string; value: string; replace?: boolean }
  | { kind: "label"; key: string; value: string }
  | { kind: "volume"; volume: V1Volume }
  | { kind: "volumeMount"; container: number; mount: V1VolumeMount }
  | { kind: "postStart"; container: number; handler: V1LifecycleHandler }
  | { kind: "preStop"; container: number; handler: V1LifecycleHandler }
  | { kind: "startupProbe"; container: number; probe: V1Probe }
  | { kind: "terminationGracePeriodSeconds"; value: number };
