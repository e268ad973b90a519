import type { Config, Profile } from "../config/schema.js";
import { batchReason } from "./batch.js";
import type { Change } from "./change.js";
import { exclusion, gatherEvidence, selectionDecision, type Evidence } from "./classify.js";
import { formatDecision, LINE_WIDTH, type Decision } from "./decision.js";
import { decide, newDraft, proposeAnnotation, type Draft } from "./draft.js";
import { MESHTUNE } from "./keys.js";
import { planLifecycle } from "./lifecycle.js";
import type { MeshAdapter, TuneContext } from "./meshes/mesh.js";
import { meshAdapters } from "./meshes/registry.js";
import type { PodShape, Target } from "./pod.js";
import { chooseProfile } from "./profile.js";
import { planShutdown } from "./shutdown.js";
import { planWarmup } from "./warmup/planner.js";

export interface Plan {
  /** The profile applied; undefined when the pod is left alone. */
  profile?: string;
  /** Why the pod is left alone, when it is. */
  skipped?: string;
  decisions: Decision[];
  changes: Change[];
  /** What to tell whoever creates the pod (admission warnings); none for pods of no concern. */
  warnings: Decision[];
}

const MAX_EVIDENCE_LINES = 3;

function explainSelection(draft: Draft, evidence: Evidence[]): void {
  for (const found of evidence.slice(0, MAX_EVIDENCE_LINES)) {
    decide(draft, selectionDecision(found));
  }
  if (evidence.length > MAX_EVIDENCE_LINES) {
    const more = String(evidence.length - MAX_EVIDENCE_LINES);
    decide(draft, { kind: "selected", code: "selected-more", detail: more });
  }
}

function leaveAlone(skipped: Decision, tell: boolean): Plan {
  return {
    skipped: formatDecision(skipped, { width: LINE_WIDTH, warning: true }),
    decisions: [skipped],
    changes: [],
    warnings: tell ? [skipped] : [],
  };
}

/** Tunes the mesh's proxy, unless the pod itself keeps the mesh away. */
function tuneMesh(draft: Draft, mesh: MeshAdapter, profile: Profile, context: TuneContext): void {
  const off = mesh.optedOut(draft);
  if (off !== undefined) {
    decide(draft, {
      kind: "note",
      code: "mesh-opted-out",
      key: off.key,
      theirs: off.value,
      detail: mesh.title,
    });
    return;
  }
  mesh.tune(draft, profile, context);
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
  const batch = profile.match.batch === true ? batchReason(pod) : undefined;
  if (batch !== undefined) {
    const { key, value, maker } = batch;
    decide(draft, { kind: "selected", code: "selected-batch", key, theirs: value, detail: maker });
  }
  decide(draft, choice.why);
  const meshes = meshAdapters(profile.meshes ?? config.meshes);
  if (profile.mode === "opt-out") {
    for (const mesh of meshes) mesh.optOut(draft);
  } else {
    const lifecycle = planLifecycle(draft, profile, config.lifecycle);
    // Warmup hooks are planned before the meshes, which hold the app for them. A batch pod has
    // no first user to warm the model for.
    const warmup = !lifecycle.batch && planWarmup(draft, profile, config.warmup);
    if (lifecycle.streams !== undefined) planShutdown(draft, lifecycle.streams, config.lifecycle);
    const context: TuneContext = {
      warmup,
      lifecycle,
      ambientNamespace: target.ambientNamespace === true,
    };
    for (const mesh of meshes) tuneMesh(draft, mesh, profile, context);
  }
  proposeAnnotation(draft, MESHTUNE.applied, profile.name);
  return {
    profile: profile.name,
    decisions: draft.decisions,
    changes: draft.changes,
    warnings: draft.decisions.filter(({ kind }) => kind !== "unchanged" && kind !== "info"),
  };
}
