import type { Config } from "../config/schema.js";
import { exclusion, gatherEvidence, type Evidence } from "./classify.js";
import { decide, newDraft, proposeAnnotation, type Draft } from "./draft.js";
import { planIstio } from "./istio.js";
import { MESHTUNE } from "./keys.js";
import { planLinkerd } from "./linkerd.js";
import type { Plan, PodShape, Target } from "./plan.js";
import { chooseProfile } from "./profile.js";
import { planWarmup } from "./warmup/planner.js";

const MAX_EVIDENCE_LINES = 3;

function explainSelection(draft: Draft, evidence: Evidence[]): void {
  for (const { reason } of evidence.slice(0, MAX_EVIDENCE_LINES)) {
    decide(draft, "selected", `selected: ${reason}`);
  }
  if (evidence.length > MAX_EVIDENCE_LINES) {
    decide(draft, "selected", `selected: and ${evidence.length - MAX_EVIDENCE_LINES} more reasons`);
  }
}

function leaveAlone(reason: string, tell: boolean): Plan {
  return {
    skipped: reason,
    decisions: [{ kind: "skipped", message: `skipped: ${reason}` }],
    changes: [],
    warnings: tell ? [reason] : [],
  };
}

/** Pod + config in, plan out: what meshtune changes on this pod, and why. Pure. */
export function planPod(pod: PodShape, target: Target, config: Config): Plan {
  const excluded = exclusion(pod, target, config);
  if (excluded !== undefined) return leaveAlone(excluded, false);
  const evidence = gatherEvidence(pod, config);
  const choice = chooseProfile(pod, evidence, config);
  if ("skipped" in choice) return leaveAlone(choice.skipped, choice.warn);

  const { profile } = choice;
  const draft = newDraft(pod);
  explainSelection(draft, evidence);
  decide(draft, "profile", `profile ${profile.name} (${profile.mode}): ${choice.why}`);
  // Warmup hooks are planned here, before the meshes: the meshes hold the app for them.
  const warmup = planWarmup(draft, profile, config.warmup);
  const meshes = profile.meshes ?? config.meshes;
  if (meshes.includes("istio")) planIstio(draft, profile, { warmup });
  if (meshes.includes("linkerd")) planLinkerd(draft, profile, { warmup });
  proposeAnnotation(draft, MESHTUNE.applied, profile.name);
  return {
    profile: profile.name,
    decisions: draft.decisions,
    changes: draft.changes,
    warnings: draft.decisions
      .filter(({ kind }) => kind !== "unchanged")
      .map(({ message }) => message),
  };
}
