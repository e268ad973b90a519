import { annotation, type Draft } from "../draft.js";
import { MESHTUNE } from "../keys.js";
import { SERVER_NAMES } from "../model-servers.js";
import { parseWarmupAnnotation, type WarmupOverride } from "./annotation.js";
import { SERVER_WARMUPS } from "./servers.js";
import type { Resolved, WarmupSpec } from "./spec.js";
import type { WarmTarget } from "./targets.js";

function override(draft: Draft, target: WarmTarget): Resolved<WarmupOverride> {
  const text = target.annotated ? annotation(draft, MESHTUNE.warmup) : undefined;
  if (text === undefined) return { value: {} };
  const parsed = parseWarmupAnnotation(text);
  return "problem" in parsed ? { problem: `${MESHTUNE.warmup} ${parsed.problem}` } : parsed;
}

/** How to warm this container: the server table, overridden by meshtune.dev/warmup. */
export function resolveWarmup(draft: Draft, target: WarmTarget): Resolved<WarmupSpec> {
  const given = override(draft, target);
  if ("problem" in given) return given;
  const { port, health, request } = given.value;
  if (target.kind === undefined) {
    if (port === undefined || health === undefined) {
      return {
        problem: `it is no model server meshtune knows, so ${MESHTUNE.warmup} must give "port" and "health"`,
      };
    }
    return {
      value: { source: MESHTUNE.warmup, port, health, request: request ?? { mode: "health" } },
    };
  }
  const server = SERVER_WARMUPS[target.kind];
  const serverPort = port === undefined ? server.port(target.container) : { value: port };
  if ("problem" in serverPort) {
    return { problem: `${serverPort.problem}; set "port" in ${MESHTUNE.warmup}` };
  }
  const name = SERVER_NAMES[target.kind];
  return {
    value: {
      source: Object.keys(given.value).length > 0 ? `${name} with ${MESHTUNE.warmup}` : name,
      port: serverPort.value,
      health: health ?? server.health,
      request: request ?? server.request(draft),
    },
  };
}
