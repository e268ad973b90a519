import { failureCount, TIMEOUT_SECONDS } from "./load.js";
import type { MemoryResult } from "./memory.js";
import { TARGET_FIXTURE } from "./patch-size.js";
import type { BenchResults } from "./results.js";
import { quantile } from "./stats.js";

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

const KIB = 1024;
const MiB = 1024 * 1024;

const LIMITS = {
  smallPodP99Micros: 200,
  largePodP99Micros: 30_000,
  /** 10× the size may cost at most 12× the time. */
  growthPerSize: 1.2,
  /** The vLLM fixture's patch, as compact JSON. */
  patchBytes: 4 * KIB,
  /** meshtune's throughput against the same-bytes floor's, at each of these concurrencies. */
  throughputRatio: 0.7,
  throughputConnections: [1, 10, 50],
  /** meshtune's CPU per review against the same-bytes floor's, at this concurrency. */
  cpuRatio: 1.5,
  cpuConnections: 10,
  /** p99 at an offered rate (reviews per second), open loop. */
  openLoopP99Ms: { 500: 2, 2000: 5 } as Record<number, number>,
  overloadConnections: 200,
  rssBytes: 120 * MiB,
  /** RSS may grow this much from the first half of the memory run to the second. */
  rssNoiseBytes: 8 * MiB,
  startupMs: 500,
} as const;

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MB`;
const count = (n: number) => n.toLocaleString("en");
const percent = (ratio: number) => `${(ratio * 100).toFixed(0)}%`;
const median = (values: number[]) => quantile([...values], 0.5);

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

function patchVerdict({ patches }: BenchResults): Verdict {
  const patch = patches.find((p) => p.fixture === TARGET_FIXTURE);
  return {
    target: `${TARGET_FIXTURE} patch ≤ ${LIMITS.patchBytes / KIB} KiB of compact JSON (${count(LIMITS.patchBytes)} bytes)`,
    measured:
      patch === undefined
        ? "not measured"
        : `${count(patch.bytes)} bytes (warmup script ${count(patch.scriptBytes)}, the rest ${count(patch.bytes - patch.scriptBytes)})`,
    pass: patch !== undefined && patch.bytes <= LIMITS.patchBytes,
  };
}

function throughputVerdicts({ server }: BenchResults): Verdict[] {
  return LIMITS.throughputConnections.map((connections) => {
    const at = server.comparisons.find((c) => c.connections === connections);
    const ratio = at && at.meshtune.requestsPerSecond / at.sameBytes.requestsPerSecond;
    return {
      target: `meshtune throughput ≥ ${percent(LIMITS.throughputRatio)} of the same-bytes floor at concurrency ${connections}`,
      measured: ratio === undefined ? "not run" : percent(ratio),
      pass: ratio !== undefined && ratio >= LIMITS.throughputRatio,
    };
  });
}

function cpuVerdict({ server }: BenchResults): Verdict {
  const at = server.comparisons.find((c) => c.connections === LIMITS.cpuConnections);
  const ratio = at && at.meshtune.cpuMicrosPerResponse / at.sameBytes.cpuMicrosPerResponse;
  return {
    target: `meshtune CPU per review ≤ ${LIMITS.cpuRatio}× the same-bytes floor's at concurrency ${LIMITS.cpuConnections}`,
    measured:
      at === undefined || ratio === undefined
        ? "not run"
        : `${ratio.toFixed(2)}× (${at.meshtune.cpuMicrosPerResponse.toFixed(0)} µs against ${at.sameBytes.cpuMicrosPerResponse.toFixed(0)} µs)`,
    pass: ratio !== undefined && ratio <= LIMITS.cpuRatio,
  };
}

function openLoopVerdicts({ openLoop }: BenchResults): Verdict[] {
  return Object.entries(LIMITS.openLoopP99Ms).map(([rate, limit]) => {
    const run = openLoop.runs.find((r) => r.rate === Number(rate));
    return {
      target: `meshtune p99 ≤ ${limit} ms at ${count(Number(rate))} reviews/s, open loop`,
      measured:
        run === undefined
          ? "not run"
          : `${run.meshtune.p99Ms.toFixed(2)} ms (same-bytes floor ${run.sameBytes.p99Ms.toFixed(2)} ms)`,
      pass: run !== undefined && run.meshtune.p99Ms <= limit,
    };
  });
}

function overloadVerdicts({ server, overload }: BenchResults): Verdict[] {
  const closed = server.comparisons.find((c) => c.connections === LIMITS.overloadConnections);
  const { failures } = closed?.meshtune ?? {};
  const open = overload.run;
  const offered = open.sent / open.seconds;
  return [
    {
      target: `concurrency ${LIMITS.overloadConnections}: every review answered within ${TIMEOUT_SECONDS} s (timeoutSeconds), none wrong`,
      measured:
        closed === undefined || failures === undefined
          ? "not run"
          : `${count(failureCount(failures))} late or wrong of ${count(closed.meshtune.responses + failureCount(failures))}, slowest ${closed.meshtune.maxMs.toFixed(0)} ms`,
      pass: failures !== undefined && failureCount(failures) === 0,
    },
    {
      target: `2× the rate meshtune carries (${count(Math.round(overload.carriedRate))}/s), open loop: every review answered within ${TIMEOUT_SECONDS} s, none wrong`,
      measured: `offered ${count(Math.round(offered))}/s: ${count(open.late)} late or unanswered, ${count(open.wrong)} wrong, ${count(open.shed)} answered early unchanged, of ${count(open.sent)}`,
      pass: open.late === 0 && open.wrong === 0 && open.sent >= open.rate * open.seconds,
    },
  ];
}

/** Runs below overload: closed loop up to concurrency 50, open loop at the targets' rates. */
function answersVerdict({ server, openLoop, memory }: BenchResults): Verdict {
  const closed = server.comparisons
    .filter((c) => c.connections !== LIMITS.overloadConnections)
    .flatMap((c) => [c.meshtune, c.sameBytes, c.fixedAnswer]);
  const open = openLoop.runs
    .filter((r) => r.rate in LIMITS.openLoopP99Ms)
    .flatMap((r) => [r.meshtune, r.sameBytes, r.fixedAnswer]);
  const memories = [memory.files, memory.selfSigned];
  const failed =
    closed.reduce((sum, run) => sum + failureCount(run.failures), 0) +
    open.reduce((sum, run) => sum + run.wrong + run.late + run.shed, 0) +
    memories.reduce((sum, run) => sum + failureCount(run.failures), 0);
  const answered =
    closed.reduce((sum, run) => sum + run.responses, 0) +
    open.reduce((sum, run) => sum + run.sent, 0) +
    memories.reduce((sum, run) => sum + (run.reviews.at(-1) ?? 0), 0);
  return {
    target: "below overload, every answer is the expected one, in time",
    measured: `${count(failed)} not of ${count(answered + failed)}`,
    pass: failed === 0,
  };
}

function memoryVerdicts(mode: string, memory: MemoryResult): Verdict[] {
  const { reviews, rssBytes } = memory;
  const end = rssBytes.at(-1) ?? NaN;
  const total = reviews.at(-1) ?? 0;
  // RSS moves up and down by several MB as V8 commits and releases pages, so the halves'
  // averages are compared rather than two single samples.
  const samples = rssBytes.slice(1);
  const half = Math.ceil(samples.length / 2);
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const growth = mean(samples.slice(half)) - mean(samples.slice(0, half));
  return [
    {
      target: `${mode}: RSS ≤ ${LIMITS.rssBytes / MiB} MB after ${count(total)} reviews`,
      measured: mib(end),
      pass: end <= LIMITS.rssBytes,
    },
    {
      target: `${mode}: no RSS growth, mean of the last ${count(total - (reviews[half] ?? 0))} reviews against the first ${count(reviews[half] ?? 0)}, ≤ +${LIMITS.rssNoiseBytes / MiB} MB`,
      measured: `${growth >= 0 ? "+" : ""}${mib(growth)}`,
      pass: growth <= LIMITS.rssNoiseBytes,
    },
  ];
}

function startupVerdicts({ startup }: BenchResults): Verdict[] {
  const runs = [
    ["certificate files", startup.files.meshtuneMs],
    ["self-signed mode", startup.selfSignedMs],
  ] as const;
  return runs.map(([mode, ms]) => ({
    target: `meshtune serve (${mode}) ready ≤ ${LIMITS.startupMs} ms after spawn, median of ${ms.length}`,
    measured: `${median(ms).toFixed(0)} ms (slowest ${Math.max(...ms).toFixed(0)}; bare node:https ${median(startup.files.bareMs).toFixed(0)} ms)`,
    pass: median(ms) <= LIMITS.startupMs,
  }));
}

/** PASS or FAIL for each of the targets. */
export function judge(results: BenchResults): Verdict[] {
  return [
    ...engineVerdicts(results),
    patchVerdict(results),
    ...throughputVerdicts(results),
    cpuVerdict(results),
    ...openLoopVerdicts(results),
    ...overloadVerdicts(results),
    answersVerdict(results),
    ...memoryVerdicts("certificate files", results.memory.files),
    ...memoryVerdicts("self-signed mode (the chart's default)", results.memory.selfSigned),
    ...startupVerdicts(results),
  ];
}
