import type { BenchResults } from "./results.js";
import type { ServerRun } from "./server.js";
import type { Verdict } from "./targets.js";

/** Columns padded to their widest cell; the first column left-aligned, the others right. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

const fixed = (value: number, digits: number) => value.toFixed(digits);
const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} KB`;
const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)}`;

function engineTable({ engine }: BenchResults): string {
  return table(
    ["pod", "size", "patch ops", "runs", "median µs", "p99 µs"],
    engine.pods.map((pod) => [
      pod.name,
      kb(pod.bytes),
      String(pod.operations),
      String(pod.iterations),
      fixed(pod.medianMicros, 1),
      fixed(pod.p99Micros, 1),
    ]),
  );
}

function growthTable({ engine }: BenchResults): string {
  return table(
    ["growth", "size ×", "median time ×"],
    engine.growth.map((g) => [`${g.from} → ${g.to}`, fixed(g.sizeRatio, 1), fixed(g.timeRatio, 2)]),
  );
}

function serverCells(run: ServerRun): string[] {
  return [
    fixed(run.requestsPerSecond, 0),
    fixed(run.p50Ms, 2),
    fixed(run.p99Ms, 2),
    fixed(run.cpuMicrosPerResponse, 0),
  ];
}

function serverTable({ server }: BenchResults): string {
  return table(
    [
      "concurrency",
      "meshtune req/s",
      "p50 ms",
      "p99 ms",
      "CPU µs/req",
      "baseline req/s",
      "p50 ms",
      "p99 ms",
      "CPU µs/req",
      "meshtune/baseline",
    ],
    server.comparisons.map((c) => [
      String(c.connections),
      ...serverCells(c.meshtune),
      ...serverCells(c.baseline),
      `${fixed(c.throughputRatio * 100, 0)}%`,
    ]),
  );
}

function memoryTable({ memory }: BenchResults): string {
  return table(
    ["reviews answered", "meshtune RSS MB"],
    memory.reviews.map((reviews, index) => [
      reviews === 0 ? "0 (after start)" : reviews.toLocaleString("en"),
      mb(memory.rssBytes[index] ?? NaN),
    ]),
  );
}

function verdictTable(verdicts: Verdict[]): string {
  return table(
    ["target", "measured", "result"],
    verdicts.map((v) => [v.target, v.measured, v.pass ? "PASS" : "FAIL"]),
  );
}

/** The whole report as printed at the end of a run (and pasted into README's Performance section). */
export function formatReport(results: BenchResults, verdicts: Verdict[]): string {
  const { machine, server } = results;
  return [
    `meshtune benchmark${results.quick ? " (--quick: shorter runs, fewer reviews)" : ""}, ${results.date}`,
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${machine.os}; Node ${machine.node}; load average ${fixed(machine.loadBefore, 2)} before, ${fixed(machine.loadAfter, 2)} after`,
    "",
    "Engine: plan + patch per pod (mutatePod), shipped config",
    engineTable(results),
    "",
    growthTable(results),
    "",
    `Server: HTTPS keep-alive on 127.0.0.1, the 5 KB vLLM pod as an AdmissionReview, ${fixed(server.secondsPerRun, 0)} s per run;`,
    `Node flags for both servers: ${server.nodeFlags.join(" ")}`,
    "(the first two give the heap Node picks in the chart's 256 MiB container);",
    `meshtune logs at info (${fixed(server.log.bytesPerReview, 0)} bytes per review) to ${server.log.destination}`,
    serverTable(results),
    "",
    "Memory: a fresh meshtune server, reviews sent 50 at a time",
    memoryTable(results),
    "",
    verdictTable(verdicts),
  ].join("\n");
}
