import type { V1LifecycleHandler } from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import { decide, type Draft } from "./draft.js";
import type { LifecycleSettings, Streams } from "./lifecycle.js";
import { warmTargets } from "./warmup/targets.js";

/** What the apiserver fills in when a pod gives none; a webhook always sees a number. */
const DEFAULT_GRACE_SECONDS = 30;
// After the last stream: Istio's MINIMUM_DRAIN_DURATION (5 s) before it counts connections, a
// second between two counts, and the processes' own exit.
const MARGIN_SECONDS = 15;

function pauseHandler(seconds: number, settings: LifecycleSettings): V1LifecycleHandler {
  return settings.preStopAction === "sleep"
    ? { sleep: { seconds } }
    : { exec: { command: ["sleep", String(seconds)] } };
}

function describePause(handler: V1LifecycleHandler): string {
  return handler.sleep
    ? `sleep ${handler.sleep.seconds}s`
    : `exec ${handler.exec?.command?.join(" ") ?? ""}`;
}

/** A preStop pause on every model-server container that has no preStop of its own. */
function planPause(draft: Draft, seconds: number, settings: LifecycleSettings): void {
  if (seconds === 0) return;
  const handler = pauseHandler(seconds, settings);
  for (const { index, container } of warmTargets(draft).targets) {
    // A null preStop (a manifest's empty `preStop:`) is none, as the apiserver reads it.
    const theirs = container.lifecycle?.preStop ?? undefined;
    if (theirs === undefined) {
      draft.changes.push({ kind: "preStop", container: index, handler });
      const ours = describePause(handler);
      decide(draft, { kind: "set", code: "set-pre-stop", container: container.name, ours });
    } else if (isDeepStrictEqual(theirs, handler)) {
      decide(draft, { kind: "unchanged", code: "unchanged-pre-stop", container: container.name });
    } else {
      decide(draft, { kind: "kept", code: "kept-pre-stop", container: container.name });
    }
  }
}

/**
 * Raises terminationGracePeriodSeconds to cover the pause, the longest stream and a margin, but
 * only from the default: a value the pod chose (anything but 30) is its own.
 */
function planGracePeriod(draft: Draft, streams: Streams, settings: LifecycleSettings): void {
  const needed = streams.pauseSeconds + streams.longestSeconds + MARGIN_SECONDS;
  const theirs = draft.pod.spec?.terminationGracePeriodSeconds ?? undefined;
  const current = theirs ?? DEFAULT_GRACE_SECONDS;
  const covers = `a ${streams.pauseSeconds}s pause, ${streams.longestSeconds}s streams and a ${MARGIN_SECONDS}s margin`;
  const cut = String(Math.max(0, current - streams.pauseSeconds));
  if (current >= needed) {
    const shown = String(current);
    decide(draft, {
      kind: "unchanged",
      code: "unchanged-grace-period",
      theirs: shown,
      detail: covers,
    });
  } else if (current !== DEFAULT_GRACE_SECONDS) {
    decide(draft, {
      kind: "kept",
      code: "kept-grace-period",
      theirs: String(current),
      ours: String(needed),
      detail: cut,
    });
  } else if (!settings.raiseGracePeriod) {
    decide(draft, { kind: "note", code: "grace-period-not-raised", detail: cut });
  } else {
    draft.changes.push({ kind: "terminationGracePeriodSeconds", value: needed });
    decide(draft, {
      kind: "set",
      code: "set-grace-period",
      ours: String(needed),
      ...(theirs === undefined ? {} : { theirs: String(theirs) }),
      detail: covers,
    });
  }
}

/**
 * Plans the pod's side of a shutdown that lets its streams finish: the preStop pause and the
 * grace period. The meshes' drain is each mesh adapter's.
 */
export function planShutdown(draft: Draft, streams: Streams, settings: LifecycleSettings): void {
  planPause(draft, streams.pauseSeconds, settings);
  planGracePeriod(draft, streams, settings);
}
