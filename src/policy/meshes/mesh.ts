import type { Mesh, Profile } from "../../config/schema.js";
import type { Draft } from "../draft.js";
import type { PodLifecycle } from "../lifecycle.js";

/** What the rest of the plan tells a mesh before it tunes the pod's proxy. */
export interface TuneContext {
  /** A warmup hook was planned, so the proxy must be up before the app starts. */
  warmup: boolean;
  /** The sidecar mode to ask for and the streams the shutdown must let finish. */
  lifecycle: PodLifecycle;
  /** The pod's namespace is labelled istio.io/dataplane-mode=ambient. */
  ambientNamespace: boolean;
}

/** A pod's own word that it stays out of a mesh: the key it set and the value. */
interface OptedOut {
  key: string;
  value: string;
}

/**
 * One service mesh, as meshtune plans for it. The planner loops over the registry of these; a
 * mesh's keys, values and rules live in its own module and nowhere else.
 */
export interface MeshAdapter {
  readonly name: Mesh;
  /** The mesh's name in sentences: "Istio". */
  readonly title: string;
  /** Containers its injector adds: a pod that carries one has been injected already. */
  readonly containers: readonly string[];
  /** Whether the pod itself asked this mesh to leave it alone. */
  optedOut(draft: Draft): OptedOut | undefined;
  /** Plans what keeps the pod out of this mesh (a profile with mode opt-out). */
  optOut(draft: Draft): void;
  /** Plans the proxy's sizes, pinned image, sidecar mode and drain (a profile with mode tune). */
  tune(draft: Draft, profile: Profile, context: TuneContext): void;
}
