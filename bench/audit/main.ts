// npm run bench:audit: `meshtune audit -A` of a generated cluster of 5,000 pods and 500 Services
// (with their Deployments, VirtualServices and DestinationRules) on a real kube-apiserver, against
// kubectl listing the same objects with the same page size, run alternately in the same run.
// Prints a report, writes bench/results/audit.json, and exits 1 when a target is missed.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { audit } from "../../src/audit/audit.js";
import { readCluster } from "../../src/cli/audit-cluster.js";
import { loadConfig } from "../../src/config/load.js";
import { kubectlBinary, kubernetesVersion } from "../../test/e2e/binaries.js";
import { childEnv, startCluster, type Cluster } from "../../test/e2e/cluster.js";
import { applyCrds } from "../../test/e2e/crds.js";
import { istioManifest } from "../../test/e2e/istio.js";
import { table } from "../report.js";
import { quantile } from "../stats.js";
import { createAll, population, SHAPE, TOTALS } from "./population.js";

const ROUNDS = 3;
const CHUNK = 500;
const TARGET_SECONDS = 10;
const CLI = "dist/cli/main.js";
const CONFIG = "config/meshtune.yaml";
const RESULTS = "bench/results";
const KINDS =
  "namespaces,pods,services,deployments.apps,virtualservices.networking.istio.io,destinationrules.networking.istio.io,envoyfilters.networking.istio.io,sidecars.networking.istio.io";

const say = (line: string) => process.stderr.write(`meshtune bench:audit: ${line}\n`);

interface Run {
  seconds: number;
  code: number | null;
  stdout: string;
}

/** A child process's wall time, from spawn to exit, with its standard output. */
function timed(command: string, args: string[]): Promise<Run> {
  const started = process.hrtime.bigint();
  // Standard error (the audit's summary line) is not the report's.
  const child = spawn(command, args, { env: childEnv(), stdio: ["ignore", "pipe", "ignore"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        code,
        stdout: Buffer.concat(chunks).toString("utf8"),
      }),
    );
  });
}

async function populate(cluster: Cluster): Promise<number> {
  await applyCrds(
    cluster,
    istioManifest().filter(({ kind }) => kind === "CustomResourceDefinition"),
  );
  const config = new KubeConfig();
  config.loadFromFile(cluster.kubeconfig);
  const client = KubernetesObjectApi.makeApiClient(config);
  const { namespaces, objects } = population();
  const started = Date.now();
  await createAll(client, namespaces, 8, () => undefined);
  await createAll(client, objects, 16, (created) =>
    say(
      `created ${created.toLocaleString("en")} of ${objects.length.toLocaleString("en")} objects`,
    ),
  );
  return (Date.now() - started) / 1000;
}

interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

interface AuditOutput {
  summary?: { workloads: number; findings: Record<string, number> };
  read?: Record<string, { objects: number; pages: number }>;
}

interface Measured {
  audits: Run[];
  kubectls: Run[];
  /** One audit's halves, timed in this process. */
  readSeconds: number;
  auditSeconds: number;
  output: AuditOutput;
}

const median = (runs: Run[]) =>
  quantile(
    runs.map(({ seconds }) => seconds),
    0.5,
  );

async function measure(cluster: Cluster): Promise<Measured> {
  const auditArgs = [
    CLI,
    "audit",
    "-A",
    "-o",
    "json",
    "--config",
    CONFIG,
    "--kubeconfig",
    cluster.kubeconfig,
    "--chunk-size",
    String(CHUNK),
  ];
  const kubectlArgs = [
    `--kubeconfig=${cluster.kubeconfig}`,
    "get",
    KINDS,
    "-A",
    "-o",
    "json",
    `--chunk-size=${CHUNK}`,
  ];
  const audits: Run[] = [];
  const kubectls: Run[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate which goes first, so neither always meets a warm apiserver.
    const pair: [Run[], () => Promise<Run>][] = [
      [audits, () => timed(process.execPath, auditArgs)],
      [kubectls, () => timed(kubectlBinary(), kubectlArgs)],
    ];
    if (round % 2 === 1) pair.reverse();
    for (const [runs, run] of pair) runs.push(await run());
  }
  const readStarted = process.hrtime.bigint();
  const read = await readCluster({
    kubeconfig: cluster.kubeconfig,
    allNamespaces: true,
    chunkSize: CHUNK,
    linkerdNamespace: "linkerd",
  });
  const auditStarted = process.hrtime.bigint();
  audit(read.inventory, loadConfig(CONFIG), { clusterDomain: "cluster.local" });
  const done = process.hrtime.bigint();
  return {
    audits,
    kubectls,
    readSeconds: Number(auditStarted - readStarted) / 1e9,
    auditSeconds: Number(done - auditStarted) / 1e9,
    output: JSON.parse(audits.at(-1)?.stdout || "{}") as AuditOutput,
  };
}

function judge(measured: Measured): Verdict[] {
  const { audits, kubectls, output } = measured;
  const [auditMedian, kubectlMedian] = [median(audits), median(kubectls)];
  const pods = output.read?.pods;
  const workloads = SHAPE.namespaces * SHAPE.workloadsPerNamespace;
  return [
    {
      target: `meshtune audit -A of ${TOTALS.pods.toLocaleString("en")} pods and ${TOTALS.services} Services ≤ ${TARGET_SECONDS} s (median of ${ROUNDS})`,
      measured: `${auditMedian.toFixed(2)} s`,
      pass: auditMedian <= TARGET_SECONDS && audits.every(({ code }) => code === 1),
    },
    {
      target:
        "meshtune audit takes no longer than kubectl listing the same objects (median ratio ≤ 1)",
      measured: (auditMedian / kubectlMedian).toFixed(2),
      pass: auditMedian <= kubectlMedian,
    },
    {
      target: `pods read in pages of ${CHUNK}`,
      measured:
        pods === undefined
          ? "not reported"
          : `${pods.objects.toLocaleString("en")} pods in ${pods.pages} pages`,
      pass: pods?.objects === TOTALS.pods && pods.pages >= TOTALS.pods / CHUNK,
    },
    {
      target: `every workload audited (${workloads})`,
      measured: `${output.summary?.workloads ?? 0} workloads, ${output.summary?.findings.error ?? 0} errors, ${output.summary?.findings.warning ?? 0} warnings`,
      pass: output.summary?.workloads === workloads,
    },
  ];
}

function report(
  measured: Measured,
  verdicts: Verdict[],
  context: { date: string; loadBefore: number; createSeconds: number },
): string {
  const { audits, kubectls } = measured;
  const row = (name: string, runs: Run[]) => [
    name,
    ...runs.map(({ seconds }) => seconds.toFixed(2)),
    median(runs).toFixed(2),
  ];
  return [
    `meshtune audit benchmark, ${context.date}`,
    `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.versions.node}; kube-apiserver ${kubernetesVersion()} and etcd on the same cores; load average ${context.loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? NaN).toFixed(2)} after`,
    `cluster: ${TOTALS.pods.toLocaleString("en")} pods (istio-proxy injected), ${TOTALS.services} Services, ${SHAPE.namespaces * SHAPE.workloadsPerNamespace} Deployments, VirtualServices and DestinationRules, in ${SHAPE.namespaces} namespaces; created in ${context.createSeconds.toFixed(0)} s`,
    "",
    table(
      ["run", ...audits.map((_, i) => `#${i + 1} s`), "median s"],
      [
        row("meshtune audit -A -o json", audits),
        row("kubectl get <the same kinds> -A -o json", kubectls),
      ],
    ),
    `one audit in this process: reading ${measured.readSeconds.toFixed(2)} s (the paged lists, concurrently), the pure audit ${measured.auditSeconds.toFixed(2)} s`,
    "",
    table(
      ["target", "measured", "result"],
      verdicts.map((v) => [v.target, v.measured, v.pass ? "PASS" : "FAIL"]),
    ),
  ].join("\n");
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? NaN;
  const date = new Date().toISOString();
  say(`starting kube-apiserver ${kubernetesVersion()} and etcd`);
  // 500 ClusterIP Services need more than the harness's /24; its first address stays 10.0.0.1.
  const cluster = await startCluster({ apiserverArgs: ["--service-cluster-ip-range=10.0.0.0/16"] });
  try {
    const createSeconds = await populate(cluster);
    say(`created the cluster in ${createSeconds.toFixed(0)} s; measuring`);
    const measured = await measure(cluster);
    const verdicts = judge(measured);
    process.stdout.write(`${report(measured, verdicts, { date, loadBefore, createSeconds })}\n`);
    const results = {
      date,
      kubernetes: kubernetesVersion(),
      loadAverage: { before: loadBefore, after: loadavg()[0] ?? NaN },
      cluster: {
        ...TOTALS,
        deployments: SHAPE.namespaces * SHAPE.workloadsPerNamespace,
        createSeconds,
      },
      seconds: {
        audit: measured.audits.map(({ seconds }) => seconds),
        kubectl: measured.kubectls.map(({ seconds }) => seconds),
        read: measured.readSeconds,
        pureAudit: measured.auditSeconds,
      },
      read: measured.output.read,
      verdicts,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, "audit.json"), `${JSON.stringify(results, null, 2)}\n`);
    if (verdicts.some((v) => !v.pass)) process.exitCode = 1;
  } finally {
    await cluster.stop();
  }
}

await main();
