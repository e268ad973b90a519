import type { Profile } from "../../config/schema.js";
import { annotation, decide, type Draft } from "../draft.js";
import { MESHTUNE } from "../keys.js";
import { planHook, type WarmupSettings } from "./hook.js";
import { resolveWarmup } from "./resolve.js";
import { warmTargets } from "./targets.js";

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
  for (const target of targets) {
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
