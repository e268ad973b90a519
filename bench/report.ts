import type { MemoryResult } from "./memory.js";
import type { OpenLoopResult } from "./open-loop.js";
import { TARGET_FIXTURE } from "./patch-size.js";
import type { BenchResults } from "./results.js";
import type { ServerRun } from "./server.js";
import { quantile } from "./stats.js";
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
const count = (n: number) => n.toLocaleString("en");
const percent = (ratio: number) => `${fixed(ratio * 100, 0)}%`;

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

function patchTable({ patches }: BenchResults): string {
  return table(
    ["fixture (shipped config)", "operations", "patch bytes", "warmup script bytes"],
    patches.map((p) => [p.fixture, String(p.operations), count(p.bytes), count(p.scriptBytes)]),
  );
}

/** Where the target fixture's patch bytes go: each operation, and the warmup script by part. */
function patchProfile({ patches, scriptParts }: BenchResults): string {
  const patch = patches.find((p) => p.fixture === TARGET_FIXTURE);
  if (patch === undefined) return `no ${TARGET_FIXTURE} fixture`;
  const operations = table(
    [`${TARGET_FIXTURE}: operation (without the script)`, "bytes"],
    patch.byOperation.map((share) => [share.what, count(share.bytes)]),
  );
  const script = table(
    ["warmup script, by part", "bytes"],
    [...scriptParts]
      .sort((a, b) => b.bytes - a.bytes)
      .map((share) => [share.what, count(share.bytes)]),
  );
  return `${operations}\n\n${script}`;
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
  const columns = (name: string) => [`${name} req/s`, "p50 ms", "p99 ms", "CPU µs"];
  return table(
    [
      "concurrency",
      ...columns("meshtune"),
      ...columns("same-bytes"),
      ...columns("fixed-answer"),
      "meshtune/same-bytes req/s",
      "CPU",
    ],
    server.comparisons.map((c) => [
      String(c.connections),
      ...serverCells(c.meshtune),
      ...serverCells(c.sameBytes),
      ...serverCells(c.fixedAnswer),
      percent(c.meshtune.requestsPerSecond / c.sameBytes.requestsPerSecond),
      `${fixed(c.meshtune.cpuMicrosPerResponse / c.sameBytes.cpuMicrosPerResponse, 2)}×`,
    ]),
  );
}

/** p50/p99, and what went wrong when something did. */
function openCells(run: OpenLoopResult): string[] {
  const trouble = [
    run.late > 0 ? `${count(run.late)} late` : "",
    run.wrong > 0 ? `${count(run.wrong)} wrong` : "",
    run.shed > 0 ? `${count(run.shed)} shed` : "",
  ].filter((each) => each !== "");
  return [fixed(run.p50Ms, 2), fixed(run.p99Ms, 2), trouble.join(", ") || "-"];
}

function openLoopTable({ openLoop }: BenchResults): string {
  const columns = (name: string) => [`${name} p50 ms`, "p99 ms", "not answered right"];
  return table(
    [
      "offered/s",
      ...columns("meshtune"),
      ...columns("same-bytes"),
      ...columns("fixed-answer"),
      "client lag p99 ms",
    ],
    openLoop.runs.map((r) => [
      count(r.rate),
      ...openCells(r.meshtune),
      ...openCells(r.sameBytes),
      ...openCells(r.fixedAnswer),
      fixed(
        Math.max(r.meshtune.sendLagP99Ms, r.sameBytes.sendLagP99Ms, r.fixedAnswer.sendLagP99Ms),
        2,
      ),
    ]),
  );
}

function overloadLines({ overload }: BenchResults): string {
  const { run, carriedRate } = overload;
  return [
    `Overload: meshtune at twice the most it answered closed loop (${count(Math.round(carriedRate))}/s), open loop, ${fixed(run.seconds, 0)} s, timeout 5 s:`,
    `  offered ${count(Math.round(run.sent / run.seconds))}/s (client lag p99 ${fixed(run.sendLagP99Ms, 1)} ms); ${count(run.expected)} tuned, ${count(run.shed)} answered early unchanged, ${count(run.wrong)} wrong, ${count(run.late)} late or unanswered; p50 ${fixed(run.p50Ms, 1)} ms, p99 ${fixed(run.p99Ms, 1)} ms, slowest ${fixed(run.maxMs, 0)} ms; ${run.connections} connections`,
  ].join("\n");
}

function memoryTable({ memory }: BenchResults): string {
  const modes: [string, MemoryResult][] = [
    ["certificate files", memory.files],
    ["self-signed", memory.selfSigned],
  ];
  const rows = [
    ["after start", ...modes.map(([, m]) => mb(m.startRssBytes))],
    ["review thread started (one 50 KB review)", ...modes.map(([, m]) => mb(m.threadRssBytes))],
    ...memory.files.reviews
      .slice(1)
      .map((reviews, index) => [
        `${count(reviews)} reviews`,
        ...modes.map(([, m]) => mb(m.rssBytes[index + 1] ?? NaN)),
      ]),
  ];
  return table(["meshtune RSS MB", ...modes.map(([name]) => name)], rows);
}

function startupLines({ startup }: BenchResults): string {
  const ms = (values: number[]) =>
    `median ${fixed(quantile([...values], 0.5), 0)} ms (${values.map((v) => fixed(v, 0)).join(", ")})`;
  return [
    "Startup: spawn to the first 200 from GET /readyz over HTTPS (a bare server: to its first answer)",
    `  meshtune serve, certificate files:  ${ms(startup.files.meshtuneMs)}`,
    `  meshtune serve, self-signed mode:   ${ms(startup.selfSignedMs)}`,
    `  bare node:https (fixed-answer):     ${ms(startup.files.bareMs)}`,
  ].join("\n");
}

function verdictTable(verdicts: Verdict[]): string {
  return table(
    ["target", "measured", "result"],
    verdicts.map((v) => [v.target, v.measured, v.pass ? "PASS" : "FAIL"]),
  );
}

/** The whole report as printed at the end of a run (and pasted into README's Performance section). */
export function formatReport(results: BenchResults, verdicts: Verdict[]): string {
  const { machine, server, openLoop } = results;
  const pinned = machine.pinned
    ? `each server pinned to core ${machine.pinned.server}, the load to core ${machine.pinned.clients}`
    : "nothing pinned";
  return [
    `meshtune benchmark${results.quick ? " (--quick: shorter runs, fewer reviews)" : ""}, ${results.date}`,
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${machine.os}; Node ${machine.node}; load average ${fixed(machine.loadBefore, 2)} before, ${fixed(machine.loadAfter, 2)} after; ${pinned}`,
    "",
    "Engine: plan + patch per pod (mutatePod), shipped config",
    engineTable(results),
    "",
    growthTable(results),
    "",
    "Patch per fixture (compact JSON, before base64)",
    patchTable(results),
    "",
    patchProfile(results),
    "",
    `Closed loop: HTTPS keep-alive on 127.0.0.1, the 5 KB vLLM pod as an AdmissionReview, ${fixed(server.secondsPerRun, 0)} s per run;`,
    "same-bytes: node:https parsing the review and writing meshtune's answer, byte for byte;",
    "fixed-answer: node:https parsing the review and answering a fixed allow;",
    `Node flags for every server: ${server.nodeFlags.join(" ")}`,
    "(the first two give the heap Node picks in the chart's 256 MiB container);",
    `meshtune logs at info (${fixed(server.log.bytesPerReview, 0)} bytes per review) to ${server.log.destination}`,
    serverTable(results),
    "",
    `Open loop: reviews sent on a fixed schedule, ${fixed(openLoop.secondsPerRun, 0)} s per rate`,
    openLoopTable(results),
    "",
    overloadLines(results),
    "",
    "Memory: a fresh meshtune serve, reviews sent 50 at a time",
    memoryTable(results),
    "",
    startupLines(results),
    "",
    verdictTable(verdicts),
  ].join("\n");
}
