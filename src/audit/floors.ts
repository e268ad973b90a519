import type { Profile } from "../config/schema.js";
import { parseQuantity } from "../config/quantity.js";
import { durationValue, formatSeconds, parseDuration } from "./duration.js";
import type { FieldPath } from "./field-path.js";
import { formatField } from "./field-path.js";
import type { Finding, ObjectRef, Severity } from "./finding.js";

/** What a profile's pods need of the objects in front of them. */
export interface Floors {
  /** The longest stream: no timeout, idle or not, may be shorter. */
  longestSeconds: number;
  maxConnections: number;
  http1MaxPendingRequests: number;
  http2MaxRequests: number;
  requestBodyBytes: number;
}

export function floorsOf(profile: Profile): Floors {
  return {
    longestSeconds: profile.streams.longestSeconds,
    maxConnections: profile.floors.maxConnections,
    http1MaxPendingRequests: profile.floors.http1MaxPendingRequests,
    http2MaxRequests: profile.floors.http2MaxRequests,
    // The schema only lets quantities through.
    requestBodyBytes: parseQuantity(profile.floors.requestBodyBytes) as number,
  };
}

/** How a timeout ends a stream, for the finding's one line. */
export type Cut = "total" | "idle" | "attempt";

const WHY: Record<Cut, (seconds: string) => string> = {
  total: (s) => `streams longer than ${s} are cut`,
  idle: (s) =>
    `streams silent for ${s} are cut (a long prefill sends nothing before the first token)`,
  attempt: (s) =>
    `each attempt is cut at ${s}, so longer streams fail and are retried from the start`,
};

export interface TimeoutCheck {
  object: ObjectRef;
  path: FieldPath;
  value: unknown;
  code: string;
  cut: Cut;
  /** Who cuts, e.g. "Istio answers 504": appended to the why. */
  by?: string;
  severity?: Severity;
}

/** A finding when `value` is a duration above zero and below the longest stream; zero means none. */
export function timeoutFinding(check: TimeoutCheck, floors: Floors): Finding | undefined {
  const seconds = parseDuration(check.value);
  if (seconds === undefined || seconds === 0 || seconds >= floors.longestSeconds) return undefined;
  const longest = durationValue(floors.longestSeconds);
  const why = WHY[check.cut](formatSeconds(seconds));
  return {
    severity: check.severity ?? "error",
    code: check.code,
    object: check.object,
    field: formatField(check.path),
    found: typeof check.value === "string" ? check.value : JSON.stringify(check.value),
    expected: `≥ ${longest} or none`,
    why: check.by === undefined ? why : `${why}; ${check.by}`,
    edit: { path: check.path, value: longest },
  };
}

export interface MinimumCheck {
  object: ObjectRef;
  path: FieldPath;
  value: number;
  floor: number;
  code: string;
  why: string;
}

export function minimumFinding(check: MinimumCheck): Finding | undefined {
  if (check.value >= check.floor) return undefined;
  return {
    severity: "warning",
    code: check.code,
    object: check.object,
    field: formatField(check.path),
    found: String(check.value),
    expected: `≥ ${check.floor}`,
    why: check.why,
    edit: { path: check.path, value: check.floor },
  };
}
