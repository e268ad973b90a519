import type { Operation } from "fast-json-patch";
import type { Config } from "./config/schema.js";
import { buildPatch } from "./patch/build.js";
import { planPod, type Plan } from "./policy/planner.js";
import type { PodShape, Target } from "./policy/pod.js";

export interface Mutation {
  plan: Plan;
  /** JSON Patch against the object the pod came in (paths under `base`). */
  patch: Operation[];
}

/**
 * request → classify → plan → patch, for one pod or pod template. Planning sees `view`, the pod
 * as it will be created (for a workload's template, with the labels its controller adds); the
 * patch is built against `pod`, the object it applies to.
 */
export function mutatePod(
  pod: PodShape,
  target: Target,
  config: Config,
  base = "",
  view: PodShape = pod,
): Mutation {
  const plan = planPod(view, target, config);
  return { plan, patch: buildPatch(pod, plan.changes, base) };
}
