import type { Change, Decision, PodShape } from "./plan.js";

/** A plan being built: the pod as it arrived, and the changes and decisions so far. */
export interface Draft {
  readonly pod: PodShape;
  readonly changes: Change[];
  readonly decisions: Decision[];
}

export function newDraft(pod: PodShape): Draft {
  return { pod, changes: [], decisions: [] };
}

export function decide(draft: Draft, kind: Decision["kind"], message: string): void {
  draft.decisions.push({ kind, message });
}

/** Long values (a whole proxy config) are shortened so a warning stays one short line. */
export function short(value: string, max = 40): string {
  const oneLine = JSON.stringify(value);
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 4)}…"`;
}

function propose(draft: Draft, kind: "annotation" | "label", key: string, value: string): boolean {
  const existing = draft.pod.metadata?.[kind === "annotation" ? "annotations" : "labels"]?.[key];
  if (existing === undefined) {
    draft.changes.push({ kind, key, value });
    decide(draft, "set", `set ${kind} ${key}=${short(value)}`);
    return true;
  }
  if (existing === value) {
    decide(draft, "unchanged", `${key} is already ${short(value)}`);
  } else {
    decide(
      draft,
      "kept",
      `kept ${key}=${short(existing, 30)} set by the pod (meshtune: ${short(value, 30)})`,
    );
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
