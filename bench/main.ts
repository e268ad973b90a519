// npm run bench [-- --quick] [-- --cpu-prof] [-- --node-flags="..."]: the engine, the patch each
// fixture gets, `meshtune serve` against two node:https baselines (closed loop, open loop at
// fixed rates, overload), its memory with certificate files and in the chart's self-signed mode
// (against a real kube-apiserver), and its startup. Prints a report, writes
// bench/results/latest.json and latency.svg (quick.json and quick-latency.svg with --quick), and
// exits 1 when a target is missed. --cpu-prof writes the loaded meshtune's CPU profile to
// bench/results/profiles/.
import { randomUUID } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
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
import { checkedTarget, judgeAnswer } from "./answer.js";
import { benchEngine, growth } from "./engine.js";
import type { LoadTarget } from "./load.js";
import { measureMemory, type MemoryResult } from "./memory.js";
import { openLoop, type OpenLoopTarget } from "./open-loop.js";
import { patchSizes, scriptProfile } from "./patch-size.js";
import { latencyPlot } from "./plot.js";
import { largePod, mediumPod, smallPod } from "./pods.js";
import {
  CONTAINER_HEAP_FLAGS,
  CORES,
  pinClients,
  startServerProcess,
  type ServerKind,
  type ServerProcess,
} from "./process.js";
import { formatReport } from "./report.js";
import type { BenchResults, Machine, RateRun } from "./results.js";
import { startSelfSignedCluster, type SelfSignedCluster } from "./self-signed.js";
import { compareServers, ROLES, rotation, type Trio } from "./server.js";
import { readyAfter, readyz, review, type StartupResult } from "./startup.js";
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
/** Extra Node flags for every server, after the container's: to try a heap setting for the image. */
const nodeFlags = (flags["node-flags"] ?? "").split(" ").filter((flag) => flag !== "");

const PLAN = quick
  ? {
      engineRuns: [4000, 1000, 100],
      seconds: 2,
      warmupSeconds: 1,
      openSeconds: 2,
      batches: 2,
      batch: 5000,
      startups: 3,
    }
  : {
      engineRuns: [20_000, 5000, 500],
      seconds: 10,
      warmupSeconds: 3,
      openSeconds: 5,
      batches: 10,
      batch: 10_000,
      startups: 5,
    };
const CONCURRENCIES = [1, 10, 50, 200];
const RATES = [250, 500, 1000, 2000, 4000];
const MEMORY_CONNECTIONS = 50;
const OPEN_LOOP = { warmupSeconds: 1, timeoutMs: 5000, maxConnections: 200 };
/** The apiserver's query: the time left of its deadline, the webhook's timeoutSeconds. */
const APISERVER_QUERY = "?timeout=5s";

const say = (line: string) => process.stderr.write(`meshtune bench: ${line}\n`);

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
    pinned: CORES,
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

/** The size of meshtune's log line for one review, read from its log. */
function reviewLogLineBytes(logFile: string): number {
  const line = readFileSync(logFile, "utf8")
    .split("\n")
    .find((l) => l.includes('"msg":"review"'));
  if (line === undefined) throw new Error(`meshtune wrote no "review" log line to ${logFile}`);
  return Buffer.byteLength(line) + 1;
}

interface StartOptions {
  /** `serve` flags beyond the TLS directory and config, e.g. the self-signed mode's. */
  flags?: string[];
  tlsDir?: string;
  env?: NodeJS.ProcessEnv;
  profile?: boolean;
}

/** Starts and stops the server processes; stops any still running when the benchmark fails. */
class Servers {
  readonly #running: ServerProcess[] = [];
  #logs = 0;

  constructor(
    readonly work: string,
    readonly tlsDir: string,
  ) {}

  /** `meshtune serve` as the image runs it, its JSON log in a file of its own; returns it too. */
  async meshtune(options: StartOptions = {}): Promise<{ server: ServerProcess; logFile: string }> {
    const logFile = join(this.work, `meshtune-${this.#logs++}.log`);
    const log = openSync(logFile, "a");
    try {
      const server = await startServerProcess("meshtune", {
        args: [
          "serve",
          "--host=127.0.0.1",
          "--port=0",
          "--metrics-port=0",
          `--tls-dir=${options.tlsDir ?? this.tlsDir}`,
          `--config=${SHIPPED_CONFIG}`,
          "--shutdown-grace=1",
          ...(options.flags ?? []),
        ],
        stdout: log,
        logFile,
        env: options.env,
        execArgv: [
          ...nodeFlags,
          ...(options.profile === true
            ? ["--cpu-prof", `--cpu-prof-dir=${join(RESULTS, "profiles")}`]
            : []),
        ],
      });
      this.#running.push(server);
      return { server, logFile };
    } finally {
      closeSync(log);
    }
  }

  async baseline(kind: Exclude<ServerKind, "meshtune">, args: string[]): Promise<ServerProcess> {
    const server = await startServerProcess(kind, {
      args,
      stdout: "ignore",
      execArgv: nodeFlags,
    });
    this.#running.push(server);
    return server;
  }

  async stop(server: ServerProcess): Promise<void> {
    await server.stop();
    this.#running.splice(this.#running.indexOf(server), 1);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#running.splice(0).map((server) => server.stop()));
  }
}

const url = (server: ServerProcess) => `https://127.0.0.1:${server.port}/mutate${APISERVER_QUERY}`;

/** Spawn to ready, for meshtune (GET /readyz) and the bare baseline (a review), in turn. */
async function startups(servers: Servers, ca: string, body: string): Promise<StartupResult> {
  const result: StartupResult = { meshtuneMs: [], bareMs: [] };
  for (let trial = 0; trial < PLAN.startups; trial++) {
    const { server } = await servers.meshtune();
    result.meshtuneMs.push(await readyAfter(server, readyz(ca)));
    await servers.stop(server);
    const bare = await servers.baseline("fixed-answer", [servers.tlsDir]);
    result.bareMs.push(await readyAfter(bare, review(ca, body)));
    await servers.stop(bare);
  }
  return result;
}

async function sweep(targets: Trio<OpenLoopTarget>): Promise<RateRun[]> {
  const runs: RateRun[] = [];
  for (const [index, rate] of RATES.entries()) {
    say(`open loop at ${rate}/s`);
    const run: Partial<RateRun> = { rate };
    for (const role of rotation(index)) {
      run[role] = await openLoop(targets[role], { rate, seconds: PLAN.openSeconds, ...OPEN_LOOP });
    }
    runs.push(run as RateRun);
  }
  return runs;
}

interface Loaded {
  server: BenchResults["server"];
  openLoop: BenchResults["openLoop"];
  overload: BenchResults["overload"];
}

/** The three servers side by side: closed loop, open loop, and meshtune alone at overload. */
async function loadServers(
  servers: Servers,
  ca: string,
  body: string,
  uid: string,
): Promise<Loaded> {
  const profile = flags["cpu-prof"] === true;
  const { server: meshtune, logFile } = await servers.meshtune({ profile });
  const meshtuneTarget = await checkedTarget(url(meshtune), body, { ca, uid, patched: true });
  const answerFile = join(servers.work, "meshtune-answer.json");
  writeFileSync(answerFile, meshtuneTarget.expected);
  const sameBytes = await servers.baseline("same-bytes", [servers.tlsDir, answerFile]);
  const fixedAnswer = await servers.baseline("fixed-answer", [servers.tlsDir]);
  const processes: Trio<ServerProcess> = { meshtune, sameBytes, fixedAnswer };
  const targets: Trio<LoadTarget> = {
    meshtune: meshtuneTarget,
    sameBytes: await checkedTarget(url(sameBytes), body, { ca, uid, patched: true }),
    fixedAnswer: await checkedTarget(url(fixedAnswer), body, { ca, uid, patched: false }),
  };
  if (targets.sameBytes.expected !== meshtuneTarget.expected)
    throw new Error("the same-bytes floor's answer is not meshtune's");

  say("closed loop");
  const names = {
    meshtune: "meshtune",
    sameBytes: "the same-bytes floor",
    fixedAnswer: "the fixed-answer baseline",
  };
  const comparisons = await compareServers(
    {
      meshtune: { name: names.meshtune, pid: meshtune.pid, target: targets.meshtune },
      sameBytes: { name: names.sameBytes, pid: sameBytes.pid, target: targets.sameBytes },
      fixedAnswer: { name: names.fixedAnswer, pid: fixedAnswer.pid, target: targets.fixedAnswer },
    },
    { concurrencies: CONCURRENCIES, seconds: PLAN.seconds, warmupSeconds: PLAN.warmupSeconds },
  );
  const openTargets = Object.fromEntries(
    ROLES.map((role) => [
      role,
      { url: targets[role].url, ca, body, judge: judgeAnswer(targets[role], uid) },
    ]),
  ) as unknown as Trio<OpenLoopTarget>;
  const runs = await sweep(openTargets);
  const carriedRate = Math.max(...comparisons.map((c) => c.meshtune.requestsPerSecond));
  say(`overload: ${Math.round(carriedRate * 2)}/s`);
  const overload = await openLoop(openTargets.meshtune, {
    rate: Math.round(carriedRate * 2),
    seconds: PLAN.openSeconds * 2,
    ...OPEN_LOOP,
  });
  for (const role of ROLES) await servers.stop(processes[role]);
  return {
    server: {
      comparisons,
      secondsPerRun: PLAN.seconds,
      nodeFlags: [...CONTAINER_HEAP_FLAGS, ...nodeFlags],
      log: { destination: "a file on local disk", bytesPerReview: reviewLogLineBytes(logFile) },
    },
    openLoop: { runs, secondsPerRun: PLAN.openSeconds },
    overload: { carriedRate, run: overload },
  };
}

/** 100,000 reviews (10,000 with --quick) to a fresh meshtune, after one that starts its thread. */
async function memoryOf(
  server: ServerProcess,
  target: LoadTarget,
  ca: string,
  servername?: string,
): Promise<MemoryResult> {
  const large = JSON.stringify(podCreationReview(mediumPod(), { uid: randomUUID() }));
  return measureMemory(server, target, {
    batches: PLAN.batches,
    reviewsPerBatch: PLAN.batch,
    connections: MEMORY_CONNECTIONS,
    large: { body: large, ca, servername },
  });
}

/** The chart's default mode: memory under load, then startups of new pods with the Secret there. */
async function selfSignedMode(
  servers: Servers,
  cluster: SelfSignedCluster,
  body: string,
  uid: string,
): Promise<{ memory: MemoryResult; startupMs: number[] }> {
  const start = async () => {
    const tlsDir = cluster.freshTlsDir();
    const { server } = await servers.meshtune({ flags: cluster.flags, env: cluster.env, tlsDir });
    // The CA is known once meshtune wrote it; until then GET /readyz is refused on TLS anyway.
    const probe = (each: ServerProcess) =>
      Promise.resolve()
        .then(() => readyz(cluster.caOf(tlsDir), cluster.servername)(each))
        .catch(() => false);
    const ms = await readyAfter(server, probe);
    return { server, ms, ca: cluster.caOf(tlsDir) };
  };
  const first = await start();
  const target = await checkedTarget(url(first.server), body, {
    ca: first.ca,
    uid,
    patched: true,
    servername: cluster.servername,
  });
  const memory = await memoryOf(first.server, target, first.ca, cluster.servername);
  await servers.stop(first.server);
  const startupMs: number[] = [];
  for (let trial = 0; trial < PLAN.startups; trial++) {
    const { server, ms } = await start();
    startupMs.push(ms);
    await servers.stop(server);
  }
  return { memory, startupMs };
}

async function runServers(
  work: string,
): Promise<
  Omit<BenchResults, "date" | "quick" | "machine" | "engine" | "patches" | "scriptParts">
> {
  const tlsDir = join(work, "tls");
  const ca = writeLoopbackCertificates(tlsDir, "meshtune-bench-ca");
  const servers = new Servers(work, tlsDir);
  const uid = randomUUID();
  const body = JSON.stringify(podCreationReview(smallPod(), { uid }));
  let cluster: SelfSignedCluster | undefined;
  try {
    say("startup");
    const files = await startups(servers, ca, body);
    const loaded = await loadServers(servers, ca, body, uid);
    say("memory, certificate files");
    const fresh = (await servers.meshtune()).server;
    const target = await checkedTarget(url(fresh), body, { ca, uid, patched: true });
    const filesMemory = await memoryOf(fresh, target, ca);
    await servers.stop(fresh);
    say("self-signed mode: starting a kube-apiserver");
    cluster = await startSelfSignedCluster();
    say("self-signed mode: memory and startup");
    const selfSigned = await selfSignedMode(servers, cluster, body, uid);
    return {
      ...loaded,
      memory: { files: filesMemory, selfSigned: selfSigned.memory },
      startup: { files, selfSignedMs: selfSigned.startupMs },
    };
  } finally {
    await servers.stopAll();
    await cluster?.cluster.stop();
  }
}

function plot(results: BenchResults): string {
  const colors = { meshtune: "#d62728", sameBytes: "#1f77b4", fixedAnswer: "#7f7f7f" };
  const names = {
    meshtune: "meshtune",
    sameBytes: "same-bytes floor",
    fixedAnswer: "fixed answer",
  };
  const { machine } = results;
  return latencyPlot(
    "meshtune: latency against offered rate (open loop)",
    `${machine.cpu}, ${machine.cores} cores; load average ${machine.loadBefore.toFixed(1)}; ${results.date}`,
    ROLES.map((role) => ({
      name: names[role],
      color: colors[role],
      points: results.openLoop.runs.map((run) => ({
        rate: run.rate,
        p50Ms: run[role].p50Ms,
        p99Ms: run[role].p99Ms,
      })),
    })),
  );
}

async function main(): Promise<void> {
  pinClients();
  const loadBefore = loadavg()[0] ?? NaN;
  const date = new Date().toISOString();
  say("engine and patches");
  const engine = runEngine();
  const patches = patchSizes(loadConfig(SHIPPED_CONFIG));
  const work = mkdtempSync(join(tmpdir(), "meshtune-bench-"));
  let servers;
  try {
    say(`servers, memory and startup (about ${quick ? 1.5 : 6} minutes)`);
    servers = await runServers(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const results: BenchResults = {
    date,
    quick,
    machine: machine(loadBefore),
    engine,
    patches,
    scriptParts: scriptProfile(),
    ...servers,
  };
  const verdicts = judge(results);
  process.stdout.write(`${formatReport(results, verdicts)}\n`);
  mkdirSync(RESULTS, { recursive: true });
  const prefix = quick ? "quick" : "latest";
  const file = join(RESULTS, `${prefix}.json`);
  writeFileSync(file, `${JSON.stringify({ ...results, verdicts }, null, 2)}\n`);
  const svg = join(RESULTS, quick ? "quick-latency.svg" : "latency.svg");
  writeFileSync(svg, plot(results));
  process.stdout.write(`\nresults written to ${file} and ${svg}\n`);
  if (verdicts.some((v) => !v.pass)) process.exitCode = 1;
}

await main();
