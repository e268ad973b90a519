// Durations as the meshes write them: Istio and Gateway API ("15s", "1m30s", "0.5s"), Linkerd
// ("300s", "5m", "1d"), and Envoy's proto JSON ("15s" or {seconds, nanos}).

const SECONDS_PER_UNIT: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;

function parseText(value: string): number | undefined {
  const trimmed = value.trim();
  if (/^0+$/.test(trimmed)) return 0;
  let seconds = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < trimmed.length) {
    const start = PART.lastIndex;
    const match = PART.exec(trimmed);
    if (match === null || match.index !== start) return undefined;
    seconds += Number(match[1]) * (SECONDS_PER_UNIT[match[2] as string] as number);
  }
  return trimmed === "" ? undefined : seconds;
}

/** Seconds, or undefined for anything that is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "string") return parseText(value);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const whole = typeof seconds === "string" ? Number(seconds) : seconds;
    if (typeof whole !== "number" || !Number.isFinite(whole)) return undefined;
    return whole + (typeof nanos === "number" ? nanos / 1e9 : 0);
  }
  return undefined;
}

/** "15 s", "1.5 s", "300 s": seconds for a sentence. */
export function formatSeconds(seconds: number): string {
  return `${Number(seconds.toFixed(3))} s`;
}

/** The duration meshtune writes in a fix: whole seconds, which every mesh reads. */
export function durationValue(seconds: number): string {
  return `${Math.ceil(seconds)}s`;
}
