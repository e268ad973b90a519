import type { Change } from "./change.js";
import type { Decision } from "./decision.js";
import type { PodShape } from "./pod.js";

/** A plan being built: the pod as it arrived, and the changes and decisions so far. */
export interface Draft {
  readonly pod: PodShape;
  readonly changes: Change[];
  readonly decisions: Decision[];
}

export function newDraft(pod: PodShape): Draft {
  return { pod, changes: [], decisions: [] };
}

export function decide(draft: Draft, decision: Decision): void {
  draft.decisions.push(decision);
}

function propose(draft: Draft, kind: "annotation" | "label", key: string, value: string): boolean {
  const existing = draft.pod.metadata?.[kind === "annotation" ? "annotations" : "labels"]?.[key];
  if (existing === undefined) {
    draft.changes.push({ kind, key, value });
    decide(draft, { kind: "set", code: `set-${kind}`, key, ours: value });
    return true;
  }
  if (existing === value) {
    decide(draft, { kind: "unchanged", code: "unchanged-value", key, ours: value });
  } else {
    decide(draft, { kind: "kept", code: "kept-value", key, theirs: existing, ours: value });
  }
  return false;
}

/** Adds the annotation unless the pod already has the key; returns whether it was added. */
export function proposeAnnotation(draft: Draft, key: string, value: string): boolean {
  return propose(draft, "annotation", key, value);
}

export function proposeLabel(draft: Draft, key: string, value: string): boolean {
  return propose(draft, "label", key, value);
}

export function annotation(draft: Draft, key: string): string | undefined {
  return draft.pod.metadata?.annotations?.[key];
}

export function label(draft: Draft, key: string): string | undefined {
  return draft.pod.metadata?.labels?.[key];
}
