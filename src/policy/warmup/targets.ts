import type { V1Container } from "@kubernetes/client-node";
import { annotation, type Draft } from "../draft.js";
import { MESHTUNE } from "../keys.js";
import { modelServerContainers, recogniseServer, type ServerKind } from "../model-servers.js";

/** A container to warm. */
export interface WarmTarget {
  /** Index in spec.containers. */
  index: number;
  container: V1Container;
  /** The recognised server, if any. */
  kind?: ServerKind;
  /** Whether the pod's meshtune.dev/warmup describes this container. */
  annotated: boolean;
}

export interface TargetChoice {
  targets: WarmTarget[];
  /** Why an annotation could not be followed, one warning each. */
  problems: string[];
}

function named(draft: Draft, name: string, described: boolean): TargetChoice {
  const containers = draft.pod.spec?.containers ?? [];
  const index = containers.findIndex((container) => container.name === name);
  const container = containers[index];
  if (container === undefined) {
    const known = containers.map((each) => each.name).join(", ");
    return {
      targets: [],
      problems: [`${MESHTUNE.warmupContainer} names no container "${name}" (containers: ${known})`],
    };
  }
  const kind = recogniseServer(container);
  return {
    targets: [{ index, container, annotated: described, ...(kind && { kind }) }],
    problems: [],
  };
}

/**
 * The containers to warm: the one meshtune.dev/warmup-container names, else every recognised
 * model server. meshtune.dev/warmup describes the named container, else the only model server,
 * else the only container.
 */
export function warmTargets(draft: Draft): TargetChoice {
  const described = annotation(draft, MESHTUNE.warmup) !== undefined;
  const name = annotation(draft, MESHTUNE.warmupContainer);
  if (name !== undefined) return named(draft, name, described);
  const containers = draft.pod.spec?.containers ?? [];
  const servers = modelServerContainers(draft.pod);
  const targets: WarmTarget[] = servers.map(({ index, kind }) => ({
    index,
    container: containers[index]!,
    kind,
    annotated: described && servers.length === 1,
  }));
  if (!described || servers.length === 1) return { targets, problems: [] };
  if (servers.length === 0 && containers.length === 1) {
    return { targets: [{ index: 0, container: containers[0]!, annotated: true }], problems: [] };
  }
  return {
    targets,
    problems: [
      `${MESHTUNE.warmup} is ignored: the pod has ${servers.length || containers.length} ` +
        `candidate containers; name one with ${MESHTUNE.warmupContainer}`,
    ],
  };
}
