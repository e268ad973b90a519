import type { V1LifecycleHandler, V1Probe } from "@kubernetes/client-node";
import { endpointUrl, type WarmupSpec } from "./spec.js";
import { HOOK_ARGUMENTS, WARMUP_SCRIPT } from "./warmup-script.generated.js";

/** `$0` of the hook: how meshtune recognises its own postStart hook on a pod it planned before. */
const HOOK_NAME = "meshtune-warmup";
/** `$0` of the startupProbe command. */
const PROBE_NAME = "meshtune-warmup-probe";

/** A name the hook's arguments are known by: see the table at the top of warmup.sh. */
export type HookArgument = (typeof HOOK_ARGUMENTS)[number];

// sh -c SCRIPT $0 ARGUMENTS...: $0 names the hook, so a pod planned before is recognised.
const HOOK_PREFIX = ["/bin/sh", "-c", WARMUP_SCRIPT, HOOK_NAME] as const;
const NAME_INDEX = HOOK_PREFIX.length - 1;

/** Where an argument sits in the hook's exec argv. */
export function hookArgumentIndex(name: HookArgument): number {
  return HOOK_PREFIX.length + HOOK_ARGUMENTS.indexOf(name);
}

/**
 * The postStart exec argv. Nothing derived from the pod is spliced into the script: ports,
 * paths, bodies and headers reach it as arguments. `directory` holds the marker and the log.
 */
export function hookCommand(
  spec: WarmupSpec,
  directory: string,
  limitSeconds: number,
  pauseSeconds: number,
): string[] {
  const { request, health } = spec;
  const warm =
    request.mode === "health" ? { mode: "health", path: "", body: "", headers: [] } : request;
  const values: Record<HookArgument, string> = {
    dir: directory,
    limit: String(limitSeconds),
    pause: String(pauseSeconds),
    url: endpointUrl(spec.endpoint),
    health: health.endpoint ? `${endpointUrl(health.endpoint)}${health.path}` : health.path,
    auth: spec.auth,
    mode: warm.mode,
    path: warm.path,
    body: warm.body,
  };
  return [...HOOK_PREFIX, ...HOOK_ARGUMENTS.map((name) => values[name]), ...warm.headers];
}

/** The startupProbe argv: passes exactly when the marker file exists. */
export function probeCommand(marker: string): string[] {
  return ["/bin/sh", "-c", 'test -f "$1"', PROBE_NAME, marker];
}

export function isMeshtuneHook(handler: V1LifecycleHandler | undefined): boolean {
  return handler?.exec?.command?.[NAME_INDEX] === HOOK_NAME;
}

export function isMeshtuneProbe(probe: V1Probe | undefined): boolean {
  return probe?.exec?.command?.[NAME_INDEX] === PROBE_NAME;
}
