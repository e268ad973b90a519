import type { FieldPath } from "./field-path.js";
import { formatField } from "./field-path.js";
import { labels, list, record, selects, text, whole } from "./fields.js";
import type { Finding, ObjectRef } from "./finding.js";
import { timeoutFinding, type Cut, type Floors } from "./floors.js";
import { namespaceOf, type Resource } from "./inventory.js";
import { refOf } from "./refs.js";

const BY_ENVOY = "Envoy resets the stream";

/**
 * The EnvoyFilters that change the pod's own proxy: in its namespace or a root namespace, with
 * no workloadSelector or one that matches it. Those aimed by targetRefs at gateways or waypoints
 * are not the pod's.
 */
export function envoyFiltersFor(
  filters: Resource[],
  namespace: string,
  podLabels: Record<string, string>,
  rootNamespaces: string[],
): Resource[] {
  return filters.filter((filter) => {
    const spec = record(filter.spec);
    const where = namespaceOf(filter);
    if (where !== namespace && !rootNamespaces.includes(where)) return false;
    if (list(spec?.targetRefs).length > 0) return false;
    const selector = record(spec?.workloadSelector);
    return selector === undefined || selects(labels(selector.labels), podLabels);
  });
}

/** Where an Envoy field is a downstream (listener) one: there a connection's end cuts its streams. */
const DOWNSTREAM = ["LISTENER", "FILTER_CHAIN", "NETWORK_FILTER", "HTTP_FILTER"];

interface Visit {
  object: ObjectRef;
  floors: Floors;
  /** The patch's applyTo. */
  applyTo: string | undefined;
  findings: Finding[];
}

function durationCut(key: string, parent: string | undefined, applyTo?: string): Cut | undefined {
  if (key === "stream_idle_timeout") return "idle";
  if (key === "max_stream_duration") return "total";
  // A RouteAction's own timeouts: `route: {timeout, idle_timeout}`.
  if (parent === "route" && key === "timeout") return "total";
  if (parent === "route" && key === "idle_timeout") return "idle";
  if (key === "max_connection_duration" && applyTo && DOWNSTREAM.includes(applyTo)) return "total";
  return undefined;
}

const CODES: Partial<Record<Cut, string>> = {
  total: "envoy-stream-timeout",
  idle: "envoy-stream-idle-timeout",
};

/** A Duration in proto JSON: "15s", or {seconds, nanos}. */
const isDuration = (value: unknown) =>
  record(value) === undefined || "seconds" in (value as object);

function bodyLimit(visit: Visit, path: FieldPath, value: unknown): void {
  const bytes = whole(value);
  const floor = visit.floors.requestBodyBytes;
  if (bytes === undefined || bytes >= floor) return;
  visit.findings.push({
    severity: "warning",
    code: "envoy-request-body-limit",
    object: visit.object,
    field: formatField(path),
    found: `${bytes} bytes`,
    expected: `≥ ${floor} bytes`,
    why: `requests larger than ${bytes} bytes get 413 Payload Too Large (long prompts, images)`,
    edit: { path, value: floor },
  });
}

// Envoy's configuration nests a few levels deep; a patch nested deeper is not read further.
const MAX_DEPTH = 64;

function walk(value: unknown, path: FieldPath, parent: string | undefined, visit: Visit): void {
  if (path.length > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, [...path, index], parent, visit));
    return;
  }
  const node = record(value);
  if (node === undefined) return;
  for (const [key, child] of Object.entries(node)) {
    const here = [...path, key];
    const cut = durationCut(key, parent, visit.applyTo);
    // A max_stream_duration may also be the RouteAction's message holding a duration of that name.
    if (cut !== undefined && isDuration(child)) {
      const code = CODES[cut] as string;
      const finding = timeoutFinding(
        { object: visit.object, path: here, value: child, code, cut, by: BY_ENVOY },
        visit.floors,
      );
      if (finding) visit.findings.push(finding);
    } else if (key === "max_request_bytes") {
      bodyLimit(visit, here, child);
    } else {
      walk(child, here, key, visit);
    }
  }
}

/** Stream timeouts and request-body limits the filter's patches set below the floors. */
export function envoyFilterFindings(filter: Resource, floors: Floors): Finding[] {
  const findings: Finding[] = [];
  list(record(filter.spec)?.configPatches).forEach((patch, index) => {
    const applyTo = text(record(patch)?.applyTo);
    walk(
      record(record(patch)?.patch)?.value,
      ["spec", "configPatches", index, "patch", "value"],
      undefined,
      { object: refOf(filter), floors, applyTo, findings },
    );
  });
  return findings;
}
