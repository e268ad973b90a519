import type { Profile } from "../../config/schema.js";
import { annotation, decide, type Draft } from "../draft.js";
import { MESHTUNE } from "../keys.js";
import { planHook, type WarmupSettings } from "./hook.js";
import { resolveWarmup } from "./resolve.js";
import { warmTargets, type WarmTarget } from "./targets.js";

/**
 * Hooks per pod. Each carries the warmup script into the pod (about 13 KB of patch); a pod runs
 * one or two model servers, and without a bound a 90 KB pod of 1,000 vLLM containers would make a
 * 17 MB answer.
 */
export const MAX_WARMUP_HOOKS = 8;

/** The first MAX_WARMUP_HOOKS targets, with a note naming a few of those left out. */
function bounded(draft: Draft, targets: WarmTarget[]): WarmTarget[] {
  if (targets.length <= MAX_WARMUP_HOOKS) return targets;
  const left = targets.slice(MAX_WARMUP_HOOKS);
  const names = left.slice(0, 3).map(({ container }) => container.name);
  if (left.length > 3) names.push("...");
  decide(draft, {
    kind: "note",
    code: "too-many-warmups",
    ours: String(MAX_WARMUP_HOOKS),
    container: names.join(", "),
    detail: String(left.length),
  });
  return targets.slice(0, MAX_WARMUP_HOOKS);
}

/**
 * Plans warmup hooks for the pod's model servers when the profile asks for them. Returns whether
 * any container carries meshtune's hook, so the meshes start their proxy before the app.
 */
export function planWarmup(draft: Draft, profile: Profile, settings: WarmupSettings): boolean {
  if (!profile.warmup) {
    const asked = [MESHTUNE.warmup, MESHTUNE.warmupContainer].filter(
      (key) => annotation(draft, key) !== undefined,
    );
    if (asked.length > 0) {
      decide(draft, {
        kind: "note",
        code: "warmup-off",
        key: asked.join(" and "),
        detail: profile.name,
      });
    }
    return false;
  }
  const { targets, problems } = warmTargets(draft);
  for (const problem of problems) {
    decide(draft, { kind: "note", code: "warmup-annotation", detail: problem });
  }
  let warmed = false;
  for (const target of bounded(draft, targets)) {
    const warmup = resolveWarmup(draft, target);
    const container = target.container.name;
    if ("problem" in warmup) {
      decide(draft, { kind: "note", code: "no-warmup", container, detail: warmup.problem });
    } else if (planHook(draft, target.index, warmup.value.spec, settings)) {
      warmed = true;
      for (const detail of warmup.value.notes) {
        decide(draft, { kind: "note", code: "warmup-note", container, detail });
      }
    }
  }
  return warmed;
}
