// npm run bench [-- --quick] [-- --cpu-prof] [-- --node-flags="..."]: the engine, meshtune's
// server against a bare node:https baseline, and meshtune's memory under load. Prints a report,
// writes bench/results/latest.json (quick.json with --quick), and exits 1 when a target is missed.
// --cpu-prof writes meshtune's CPU profiles to bench/results/profiles/.
import { randomUUID } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem, type } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { podCreationReview } from "../src/admission/request.js";
import { writeLoopbackCertificates } from "../src/certs/loopback.js";
import { loadConfig } from "../src/config/load.js";
import { checkedTarget } from "./answer.js";
import { benchEngine, growth } from "./engine.js";
import { measureMemory } from "./memory.js";
import { largePod, mediumPod, smallPod } from "./pods.js";
import {
  CONTAINER_HEAP_FLAGS,
  startServerProcess,
  type ServerKind,
  type ServerProcess,
} from "./process.js";
import { formatReport } from "./report.js";
import type { BenchResults, Machine } from "./results.js";
import { compareServers } from "./server.js";
import { judge } from "./targets.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHIPPED_CONFIG = join(ROOT, "config/meshtune.yaml");
const RESULTS = join(ROOT, "bench/results");

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    "node-flags": { type: "string", default: "" },
  },
});
const quick = flags.quick === true;
/** Extra Node flags for both servers, after the container's: to try a heap setting for the image. */
const nodeFlags = (flags["node-flags"] ?? "").split(" ").filter((flag) => flag !== "");

const PLAN = quick
  ? { engineRuns: [4000, 1000, 100], seconds: 2, warmupSeconds: 1, batches: 2, batch: 5000 }
  : { engineRuns: [20_000, 5000, 500], seconds: 10, warmupSeconds: 3, batches: 10, batch: 10_000 };
const CONCURRENCIES = [1, 10, 50, 200];
const MEMORY_CONNECTIONS = 50;

function machine(loadBefore: number): Machine {
  const [cpu] = cpus();
  return {
    cpu: cpu?.model.trim() ?? "unknown CPU",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.versions.node,
    loadBefore,
    loadAfter: loadavg()[0] ?? NaN,
  };
}

function runEngine(): BenchResults["engine"] {
  const config = loadConfig(SHIPPED_CONFIG);
  const [small, medium, large] = PLAN.engineRuns as [number, number, number];
  const pods = [
    benchEngine("5 KB vLLM", smallPod(), config, small),
    benchEngine("50 KB multi-container", mediumPod(), config, medium),
    benchEngine("500 KB many-env", largePod(), config, large),
  ];
  return { pods, growth: growth(pods) };
}

/** The size of meshtune's log line for one review, read from the start of its log. */
function reviewLogLineBytes(logFile: string): number {
  const fd = openSync(logFile, "r");
  const buffer = Buffer.alloc(64 * 1024);
  const length = readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  const lines = buffer.toString("utf8", 0, length).split("\n");
  const line = lines.find((l) => l.includes('"msg":"review"'));
  if (line === undefined) throw new Error(`meshtune wrote no "review" log line to ${logFile}`);
  return Buffer.byteLength(line) + 1;
}

/** Starts and stops the server processes; stops any still running when the benchmark fails. */
class Servers {
  readonly #running: ServerProcess[] = [];
  constructor(
    readonly tlsDir: string,
    readonly log: number,
  ) {}

  async start(kind: ServerKind): Promise<ServerProcess> {
    const meshtune = kind === "meshtune";
    const profile = meshtune && flags["cpu-prof"] === true;
    const server = await startServerProcess(kind, {
      args: meshtune ? [this.tlsDir, SHIPPED_CONFIG] : [this.tlsDir],
      stdout: meshtune ? this.log : "ignore",
      execArgv: [
        ...nodeFlags,
        ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${join(RESULTS, "profiles")}`] : []),
      ],
    });
    this.#running.push(server);
    return server;
  }

  stopAll(): Promise<void[]> {
    return Promise.all(this.#running.map((server) => server.stop()));
  }
}

async function runServers(work: string): Promise<Pick<BenchResults, "server" | "memory">> {
  const tlsDir = join(work, "tls");
  const ca = writeLoopbackCertificates(tlsDir, "meshtune-bench-ca");
  const logFile = join(work, "meshtune.log");
  const log = openSync(logFile, "a");
  const servers = new Servers(tlsDir, log);
  try {
    const uid = randomUUID();
    const body = JSON.stringify(podCreationReview(smallPod(), { uid }));
    const url = (server: ServerProcess) => `https://127.0.0.1:${server.port}/mutate`;
    const meshtune = await servers.start("meshtune");
    const baseline = await servers.start("baseline");
    const meshtuneTarget = await checkedTarget(url(meshtune), body, { ca, uid, patched: true });
    const baselineTarget = await checkedTarget(url(baseline), body, { ca, uid, patched: false });
    const comparisons = await compareServers(
      {
        meshtune: { name: "meshtune", pid: meshtune.pid, target: meshtuneTarget },
        baseline: { name: "the baseline", pid: baseline.pid, target: baselineTarget },
      },
      { concurrencies: CONCURRENCIES, seconds: PLAN.seconds, warmupSeconds: PLAN.warmupSeconds },
    );
    await servers.stopAll();

    const fresh = await servers.start("meshtune");
    const memory = await measureMemory(
      fresh,
      { ...meshtuneTarget, url: url(fresh) },
      { batches: PLAN.batches, reviewsPerBatch: PLAN.batch, connections: MEMORY_CONNECTIONS },
    );
    const bytesPerReview = reviewLogLineBytes(logFile);
    return {
      server: {
        comparisons,
        secondsPerRun: PLAN.seconds,
        nodeFlags: [...CONTAINER_HEAP_FLAGS, ...nodeFlags],
        log: { destination: "a file on local disk", bytesPerReview },
      },
      memory,
    };
  } finally {
    await servers.stopAll();
    closeSync(log);
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? NaN;
  const date = new Date().toISOString();
  process.stderr.write("meshtune bench: engine...\n");
  const engine = runEngine();
  const work = mkdtempSync(join(tmpdir(), "meshtune-bench-"));
  let servers;
  try {
    process.stderr.write(`meshtune bench: servers and memory (about ${quick ? 30 : 140} s)...\n`);
    servers = await runServers(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const results: BenchResults = { date, quick, machine: machine(loadBefore), engine, ...servers };
  const verdicts = judge(results);
  process.stdout.write(`${formatReport(results, verdicts)}\n`);
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, quick ? "quick.json" : "latest.json");
  writeFileSync(file, `${JSON.stringify({ ...results, verdicts }, null, 2)}\n`);
  process.stdout.write(`\nresults written to ${file}\n`);
  if (verdicts.some((v) => !v.pass)) process.exitCode = 1;
}

await main();
