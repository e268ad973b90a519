import { failureCount } from "./load.js";
import type { BenchResults } from "./results.js";

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

const LIMITS = {
  smallPodP99Micros: 200,
  largePodP99Micros: 30_000,
  /** 10× the size may cost at most 12× the time. */
  growthPerSize: 1.2,
  throughputRatio: 0.7,
  p99Ms: 10,
  /** The concurrency the throughput and latency targets hold at. */
  connections: 50,
  rssBytes: 120 * 1024 * 1024,
  /** RSS may grow this much from the first half of the memory run to the second. */
  rssNoiseBytes: 8 * 1024 * 1024,
} as const;

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MB`;

function engineVerdicts({ engine }: BenchResults): Verdict[] {
  const [small] = engine.pods;
  const large = engine.pods.at(-1);
  const steps = engine.growth.map(
    (g) => `${g.sizeRatio.toFixed(1)}× size → ${g.timeRatio.toFixed(2)}× time`,
  );
  const linear = engine.growth.every((g) => g.timeRatio <= g.sizeRatio * LIMITS.growthPerSize);
  return [
    {
      target: `engine p99, ${small?.name} pod ≤ ${LIMITS.smallPodP99Micros} µs`,
      measured: `${small?.p99Micros.toFixed(0)} µs`,
      pass: small !== undefined && small.p99Micros <= LIMITS.smallPodP99Micros,
    },
    {
      target: `engine p99, ${large?.name} pod ≤ ${LIMITS.largePodP99Micros / 1000} ms`,
      measured: `${((large?.p99Micros ?? NaN) / 1000).toFixed(2)} ms`,
      pass: large !== undefined && large.p99Micros <= LIMITS.largePodP99Micros,
    },
    {
      target: "engine time grows at most linearly with size (10× size ≤ 12× time)",
      measured: steps.join(", "),
      pass: linear,
    },
  ];
}

function serverVerdicts({ server, memory }: BenchResults): Verdict[] {
  const at = server.comparisons.find((c) => c.connections === LIMITS.connections);
  const runs = server.comparisons.flatMap((c) => [c.meshtune, c.baseline]);
  const failed =
    runs.reduce((sum, run) => sum + failureCount(run.failures), 0) + failureCount(memory.failures);
  const answered = runs.reduce((sum, run) => sum + run.responses, 0) + (memory.reviews.at(-1) ?? 0);
  return [
    {
      target: `meshtune throughput ≥ ${LIMITS.throughputRatio * 100}% of the baseline at concurrency ${LIMITS.connections}`,
      measured: at === undefined ? "not run" : `${(at.throughputRatio * 100).toFixed(0)}%`,
      pass: at !== undefined && at.throughputRatio >= LIMITS.throughputRatio,
    },
    {
      target: `meshtune p99 ≤ ${LIMITS.p99Ms} ms at concurrency ${LIMITS.connections}`,
      measured: at === undefined ? "not run" : `${at.meshtune.p99Ms.toFixed(2)} ms`,
      pass: at !== undefined && at.meshtune.p99Ms <= LIMITS.p99Ms,
    },
    {
      target: "every response is the expected answer",
      measured: `${failed} failed of ${(answered + failed).toLocaleString("en")}`,
      pass: failed === 0,
    },
  ];
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

function memoryVerdicts({ memory }: BenchResults): Verdict[] {
  const { reviews, rssBytes } = memory;
  const end = rssBytes.at(-1) ?? NaN;
  const total = reviews.at(-1) ?? 0;
  // RSS moves up and down by several MB as V8 commits and releases pages, so the halves'
  // averages are compared rather than two single samples.
  const samples = rssBytes.slice(1);
  const half = Math.ceil(samples.length / 2);
  const growth = mean(samples.slice(half)) - mean(samples.slice(0, half));
  const count = (n: number) => n.toLocaleString("en");
  return [
    {
      target: `meshtune RSS ≤ ${LIMITS.rssBytes / MiB} MB after ${count(total)} reviews`,
      measured: mib(end),
      pass: end <= LIMITS.rssBytes,
    },
    {
      target: `no RSS growth: mean RSS, last ${count(total - (reviews[half] ?? 0))} reviews against first ${count(reviews[half] ?? 0)}, ≤ +${LIMITS.rssNoiseBytes / MiB} MB`,
      measured: `${growth >= 0 ? "+" : ""}${mib(growth)}`,
      pass: growth <= LIMITS.rssNoiseBytes,
    },
  ];
}

/** PASS or FAIL for each of the targets. */
export function judge(results: BenchResults): Verdict[] {
  return [...engineVerdicts(results), ...serverVerdicts(results), ...memoryVerdicts(results)];
}
