import type { V1Container } from "@kubernetes/client-node";
import { annotation, type Draft } from "../draft.js";
import { MESHTUNE } from "../keys.js";
import { commandWords, runsServer, SERVER_NAMES, type ServerKind } from "../model-servers.js";
import { parseWarmupAnnotation, type WarmupOverride } from "./annotation.js";
import { CommandLine } from "./command-line.js";
import { borrowedProbe, type BorrowedProbe } from "./probe.js";
import { SERVER_WARMUPS, type Located, type ServerWarmup } from "./servers.js";
import type { Endpoint, Resolved, WarmupSpec } from "./spec.js";
import type { WarmTarget } from "./targets.js";

const LOOPBACK = "127.0.0.1";
const FIX = `; set "port" in ${MESHTUNE.warmup}`;

/** How to warm a container, and what the warnings should add about it. */
export interface Warmup {
  spec: WarmupSpec;
  notes: string[];
}

function override(draft: Draft, target: WarmTarget): Resolved<WarmupOverride> {
  const text = target.annotated ? annotation(draft, MESHTUNE.warmup) : undefined;
  if (text === undefined) return { value: {} };
  const parsed = parseWarmupAnnotation(text);
  return "problem" in parsed ? { problem: `${MESHTUNE.warmup} ${parsed.problem}` } : parsed;
}

/**
 * "multi-node-serving.sh worker", for a warning: the program after any shell, and a subcommand
 * after it; no more of a command line, which may hold anything.
 */
function commandStart(container: V1Container): string {
  const words = commandWords(container).filter(
    (word) => !/^(-c|-lc|(\/bin\/)?(ba)?sh)$/.test(word),
  );
  const [program = "", next = ""] = words;
  const subcommand = /^[a-z][a-z-]{0,19}$/.test(next) ? ` ${next}` : "";
  return `${program.split("/").pop()}${subcommand}`;
}

interface Place {
  endpoint: Endpoint;
  health?: WarmupSpec["health"];
  note?: string;
}

/**
 * Where to connect: the server table, with meshtune.dev/warmup's port over it, and the container's
 * own httpGet probe for the health check (a port of its own, or the scheme its port speaks).
 */
function place(
  table: Located,
  port: number | undefined,
  probe: BorrowedProbe | undefined,
): Resolved<Place> {
  if ("problem" in table) {
    if (!table.unknown) return table;
    if (port !== undefined) {
      return place({ value: { scheme: "http", host: LOOPBACK, port } }, undefined, probe);
    }
    if (probe === undefined) return { problem: `${table.problem}${FIX}` };
    return {
      value: {
        endpoint: { scheme: probe.scheme, host: LOOPBACK, port: probe.port },
        health: { path: probe.path, from: probe.from },
        note: `${table.problem}, so the warmup follows its ${probe.from}`,
      },
    };
  }
  const base = port === undefined ? table.value : { ...table.value, port };
  if (probe === undefined) return { value: { endpoint: base } };
  const health = { path: probe.path, from: probe.from };
  if (probe.port === base.port) {
    // Either says HTTPS: a server flag (--ssl-certfile) or the probe the kubelet sends.
    const scheme = probe.scheme === "https" ? probe.scheme : base.scheme;
    return { value: { endpoint: { ...base, scheme }, health } };
  }
  const own = { scheme: probe.scheme, host: base.host, port: probe.port };
  return { value: { endpoint: base, health: { ...health, endpoint: own } } };
}

/** A container meshtune knows nothing of: meshtune.dev/warmup says it all. */
function described(given: WarmupOverride): Resolved<Warmup> {
  const { port, health, request } = given;
  if (port === undefined || health === undefined) {
    return {
      problem: `it is no model server meshtune knows, so ${MESHTUNE.warmup} must give "port" and "health"`,
    };
  }
  const endpoint = { scheme: "http" as const, host: LOOPBACK, port };
  const spec = { source: MESHTUNE.warmup, endpoint, health: { path: health }, auth: "" };
  return { value: { spec: { ...spec, request: request ?? { mode: "health" } }, notes: [] } };
}

/** The health check: where the probe or the annotation put it, else the server's own. */
function healthCheck(
  server: ServerWarmup,
  container: V1Container,
  line: CommandLine,
  given: WarmupOverride,
  where: Place,
): Resolved<WarmupSpec["health"]> {
  if (where.health !== undefined) return { value: where.health };
  const own =
    given.health === undefined ? server.health(container, line) : { value: { path: given.health } };
  if ("problem" in own) return { problem: `${own.problem}${FIX}` };
  const { path, port } = own.value;
  const endpoint = port === undefined ? undefined : { ...where.endpoint, port };
  return { value: { path, ...(endpoint && { endpoint }) } };
}

/** Why nothing of this server will answer the hook, decided from the container. */
function silence(container: V1Container, kind: ServerKind, line: CommandLine): string | undefined {
  if (!runsServer(container, kind)) {
    return `it runs ${commandStart(container)}, not the ${SERVER_NAMES[kind]} server`;
  }
  return SERVER_WARMUPS[kind].silent?.(line, container);
}

/** A server of the table, with meshtune.dev/warmup's keys over it. */
function served(
  draft: Draft,
  target: WarmTarget,
  kind: ServerKind,
  given: WarmupOverride,
): Resolved<Warmup> {
  const { container } = target;
  const name = SERVER_NAMES[kind];
  const server = SERVER_WARMUPS[kind];
  const line = new CommandLine(container);
  const silent = silence(container, kind, line);
  if (silent !== undefined) return { problem: silent };
  const probe = given.health === undefined ? borrowedProbe(container) : undefined;
  const where = place(server.endpoint(container, line), given.port, probe);
  if ("problem" in where) return where;
  const checks = healthCheck(server, container, line, given, where.value);
  if ("problem" in checks) return checks;
  const warm = given.request ? { value: given.request } : server.request(draft, container, line);
  if ("problem" in warm) return warm;
  const token = server.token?.(container, line) ?? { auth: "" };
  // Without its key the warm request would be refused: the health wait is all that is left.
  const keyless = token.note !== undefined && given.request === undefined;
  const spec: WarmupSpec = {
    source: Object.keys(given).length > 0 ? `${name} with ${MESHTUNE.warmup}` : name,
    endpoint: where.value.endpoint,
    health: checks.value,
    auth: token.auth,
    ...(token.from !== undefined && { authFrom: token.from }),
    request: keyless ? { mode: "health" } : warm.value,
  };
  const notes = [where.value.note, keyless ? token.note : undefined];
  return { value: { spec, notes: notes.filter((note) => note !== undefined) } };
}

/** How to warm this container: the server table, overridden by meshtune.dev/warmup. */
export function resolveWarmup(draft: Draft, target: WarmTarget): Resolved<Warmup> {
  const given = override(draft, target);
  if ("problem" in given) return given;
  return target.kind === undefined
    ? described(given.value)
    : served(draft, target, target.kind, given.value);
}
