import type { V1Container, V1Probe } from "@kubernetes/client-node";
import type { Config } from "../../config/schema.js";
import { decide, type Draft } from "../draft.js";
import type { Decision } from "../decision.js";
import { hookCommand, isMeshtuneHook, isMeshtuneProbe, probeCommand } from "./script.js";
import { describeWarmup, type WarmupSpec } from "./spec.js";

const WARMUP_VOLUME = "meshtune-warmup";
const WARMUP_DIRECTORY = "/var/run/meshtune";
const WARMUP_MARKER = `${WARMUP_DIRECTORY}/ready`;

export type WarmupSettings = Config["warmup"];

// Seconds beyond the limit that the warmup may overrun: one pause, timeout(1)'s grace, rounding.
const OVERRUN_SECONDS = 10;

function warmupProbe(settings: WarmupSettings): V1Probe {
  const { timeoutSeconds, pollIntervalSeconds, probePeriodSeconds } = settings;
  return {
    exec: { command: probeCommand(WARMUP_MARKER) },
    periodSeconds: probePeriodSeconds,
    timeoutSeconds: 5,
    // failureThreshold × periodSeconds covers the whole warmup, so the kubelet never kills a
    // container that is still warming.
    failureThreshold: Math.ceil(
      (timeoutSeconds + pollIntervalSeconds + OVERRUN_SECONDS) / probePeriodSeconds,
    ),
  };
}

/** Why the container cannot carry meshtune's hook, or undefined. */
function obstacle(draft: Draft, container: V1Container): Decision | undefined {
  const postStart = container.lifecycle?.postStart;
  if (postStart !== undefined && !isMeshtuneHook(postStart)) {
    return { kind: "kept", code: "kept-post-start", container: container.name };
  }
  const problem = mountProblem(draft, container);
  if (problem === undefined) return undefined;
  return { kind: "note", code: "no-warmup", container: container.name, detail: problem };
}

function mountProblem(draft: Draft, container: V1Container): string | undefined {
  const mount = container.volumeMounts?.find(({ mountPath }) => mountPath === WARMUP_DIRECTORY);
  if (mount !== undefined && mount.name !== WARMUP_VOLUME) {
    return `it mounts ${mount.name} at ${WARMUP_DIRECTORY}`;
  }
  const volume = draft.pod.spec?.volumes?.find(({ name }) => name === WARMUP_VOLUME);
  if (volume !== undefined && volume.emptyDir === undefined) {
    return `the pod's volume ${WARMUP_VOLUME} is no emptyDir`;
  }
  return undefined;
}

function ensureVolume(draft: Draft): void {
  const planned = draft.changes.some(
    (change) => change.kind === "volume" && change.volume.name === WARMUP_VOLUME,
  );
  if (planned || draft.pod.spec?.volumes?.some(({ name }) => name === WARMUP_VOLUME)) return;
  draft.changes.push({ kind: "volume", volume: { name: WARMUP_VOLUME, emptyDir: {} } });
}

/**
 * Plans the volume, mount, postStart hook and startupProbe that warm one container, adding only
 * what is missing. Returns whether the container carries meshtune's hook afterwards.
 */
export function planHook(
  draft: Draft,
  index: number,
  spec: WarmupSpec,
  settings: WarmupSettings,
): boolean {
  const container = draft.pod.spec!.containers[index]!;
  const { name } = container;
  const why = obstacle(draft, container);
  if (why !== undefined) {
    decide(draft, why);
    return false;
  }
  ensureVolume(draft);
  if (!container.volumeMounts?.some(({ mountPath }) => mountPath === WARMUP_DIRECTORY)) {
    // subPath per container: two warmed containers never share a marker or a log.
    const mount = { name: WARMUP_VOLUME, mountPath: WARMUP_DIRECTORY, subPath: name };
    draft.changes.push({ kind: "volumeMount", container: index, mount });
  }
  if (isMeshtuneHook(container.lifecycle?.postStart)) {
    decide(draft, { kind: "unchanged", code: "unchanged-warmup-hook", container: name });
  } else {
    const command = hookCommand(
      spec,
      WARMUP_DIRECTORY,
      settings.timeoutSeconds,
      settings.pollIntervalSeconds,
    );
    draft.changes.push({ kind: "postStart", container: index, handler: { exec: { command } } });
    decide(draft, {
      kind: "set",
      code: "set-warmup",
      container: name,
      detail: spec.source,
      ours: describeWarmup(spec),
    });
  }
  planProbe(draft, index, container, settings);
  return true;
}

function planProbe(
  draft: Draft,
  index: number,
  container: V1Container,
  settings: WarmupSettings,
): void {
  const { name } = container;
  if (container.startupProbe === undefined) {
    const probe = warmupProbe(settings);
    draft.changes.push({ kind: "startupProbe", container: index, probe });
    const budget = probe.failureThreshold! * probe.periodSeconds!;
    decide(draft, {
      kind: "set",
      code: "set-startup-probe",
      container: name,
      ours: String(budget),
    });
  } else if (isMeshtuneProbe(container.startupProbe)) {
    decide(draft, { kind: "unchanged", code: "unchanged-startup-probe", container: name });
  } else {
    decide(draft, { kind: "kept", code: "kept-startup-probe", container: name });
  }
}
