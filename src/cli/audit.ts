import { Command, InvalidArgumentError, Option } from "commander";
import { stringify } from "yaml";
import { audit, distinct, type AuditReport } from "../audit/audit.js";
import { atLeast, type Severity } from "../audit/finding.js";
import { sameObject } from "../audit/fixes.js";
import type { Inventory } from "../audit/inventory.js";
import { refOf } from "../audit/refs.js";
import { ConfigError, loadConfig } from "../config/load.js";
import { readCluster, type ReadCounts } from "./audit-cluster.js";
import { AuditError } from "./audit-error.js";
import { findSource, readManifests } from "./audit-files.js";
import { formatFix, type ObjectLookup } from "./audit-fix.js";
import { formatTable, summaryLine, type AuditSource } from "./audit-report.js";
import { ProgressLine } from "./progress.js";

interface AuditFlags {
  filename: string[];
  namespace?: string;
  allNamespaces?: boolean;
  context?: string;
  kubeconfig?: string;
  output: "table" | "json" | "yaml";
  fix?: boolean;
  failOn: Severity | "none";
  config?: string;
  chunkSize: number;
  clusterDomain: string;
  linkerdNamespace: string;
}

interface Audited {
  report: AuditReport;
  source: AuditSource;
  lookup: ObjectLookup;
  read?: ReadCounts;
}

/** Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 the audit could not run. */
const EXIT = { clean: 0, findings: 1, failed: 2 } as const;

function chunkSize(text: string): number {
  if (!/^[1-9]\d*$/.test(text) || Number(text) > 10_000)
    throw new InvalidArgumentError(`"${text}" is not a page size from 1 to 10000.`);
  return Number(text);
}

/** The Service-level objects in the inventory, where a fix for a cluster object finds its copy. */
function clusterLookup(inventory: Inventory): ObjectLookup {
  const objects = [
    ...inventory.services,
    ...inventory.virtualServices,
    ...inventory.destinationRules,
    ...inventory.envoyFilters,
    ...inventory.sidecars,
    ...inventory.routes,
  ];
  return (fix) => {
    const object = objects.find((candidate) => sameObject(refOf(candidate), fix.object));
    return object === undefined ? undefined : { object };
  };
}

async function runAudit(flags: AuditFlags, progress: ProgressLine): Promise<Audited> {
  const config = loadConfig(flags.config);
  const options = { clusterDomain: flags.clusterDomain };
  if (flags.filename.length > 0) {
    if (flags.allNamespaces || flags.context !== undefined || flags.kubeconfig !== undefined) {
      throw new AuditError(
        "-f audits files; -A, --context and --kubeconfig are for a live cluster: give one or the other",
      );
    }
    const { inventory, sources } = readManifests(flags.filename, flags.namespace);
    return {
      report: audit(inventory, config, options),
      source: { kind: "files", files: flags.filename.map((f) => (f === "-" ? "<stdin>" : f)) },
      lookup: (fix) => findSource(sources, fix.object),
    };
  }
  if (flags.allNamespaces && flags.namespace !== undefined)
    throw new AuditError("-n names one namespace and -A means all of them: give one or the other");
  const cluster = await readCluster({
    ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
    ...(flags.context === undefined ? {} : { context: flags.context }),
    ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
    allNamespaces: flags.allNamespaces === true,
    chunkSize: flags.chunkSize,
    linkerdNamespace: flags.linkerdNamespace,
    onProgress: ({ what, objects }) => progress.update(what, objects),
  }).finally(() => progress.clear());
  const { inventory } = cluster;
  if (
    cluster.namespace !== undefined &&
    !inventory.namespaces.some((ns) => ns.metadata?.name === cluster.namespace)
  ) {
    inventory.notes.push(`namespace ${cluster.namespace} does not exist`);
  }
  return {
    report: audit(inventory, config, options),
    source: {
      kind: "cluster",
      context: cluster.context,
      ...(cluster.namespace === undefined ? {} : { namespace: cluster.namespace }),
    },
    lookup: clusterLookup(inventory),
    read: cluster.read,
  };
}

function document(audited: Audited) {
  const { report, source, read } = audited;
  return {
    source,
    summary: {
      workloads: report.workloads.length,
      notSelected: report.notSelected,
      findings: report.findings,
    },
    controlPlanes: report.controlPlanes,
    notes: report.notes,
    workloads: report.workloads,
    ...(read === undefined ? {} : { read }),
  };
}

function write(audited: Audited, flags: AuditFlags): void {
  const { report } = audited;
  if (flags.fix) {
    const findings = distinct(report.workloads.flatMap((workload) => workload.findings));
    process.stdout.write(formatFix(findings, audited.lookup));
    process.stderr.write(`${summaryLine(report)}\n`);
  } else if (flags.output === "table") {
    process.stdout.write(formatTable(report, audited.source));
  } else {
    const body = document(audited);
    process.stdout.write(
      flags.output === "json"
        ? `${JSON.stringify(body, null, 2)}\n`
        : stringify(body, { lineWidth: 0 }),
    );
    process.stderr.write(`${summaryLine(report)}\n`);
  }
}

function exitCode(report: AuditReport, failOn: AuditFlags["failOn"]): number {
  if (failOn === "none") return EXIT.clean;
  const failing = report.workloads.some(({ findings }) =>
    findings.some(({ severity }) => atLeast(severity, failOn)),
  );
  return failing ? EXIT.findings : EXIT.clean;
}

export function auditCommand(): Command {
  return new Command("audit")
    .description(
      "Read-only: what meshtune would change on the GPU and inference workloads running now, and the route timeouts, connection pools and proxy versions in front of them",
    )
    .option(
      "-f, --filename <file>",
      "audit manifests instead of a cluster: a file, a directory, or - for standard input (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option("-n, --namespace <name>", "audit this namespace's workloads (default: the context's)")
    .option("-A, --all-namespaces", "audit the workloads of every namespace")
    .option("--context <name>", "the kubeconfig context to use")
    .option(
      "--kubeconfig <file>",
      "the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)",
    )
    .addOption(
      new Option("-o, --output <format>", "what to print")
        .choices(["table", "json", "yaml"])
        .default("table"),
    )
    .option("--fix", "print YAML that resolves the findings (meshtune applies nothing)")
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is this severe or more")
        .choices(["error", "warning", "info", "none"])
        .default("warning"),
    )
    .option("--config <file>", "meshtune config file (default: the shipped config)")
    .option("--chunk-size <n>", "objects per page when listing", chunkSize, 500)
    .option(
      "--cluster-domain <domain>",
      "the cluster's DNS domain, for Istio's short hosts",
      "cluster.local",
    )
    .option("--linkerd-namespace <name>", "where Linkerd's linkerd-config ConfigMap is", "linkerd")
    .exitOverride((error) => {
      // Commander's own errors (an unknown flag, a bad value) mean the audit could not run.
      process.exit(error.exitCode === 0 ? 0 : EXIT.failed);
    })
    .action(async (flags: AuditFlags) => {
      const progress = new ProgressLine();
      try {
        const audited = await runAudit(flags, progress);
        write(audited, flags);
        process.exitCode = exitCode(audited.report, flags.failOn);
      } catch (error) {
        if (!(error instanceof AuditError || error instanceof ConfigError)) throw error;
        process.stderr.write(`meshtune audit: ${error.message}\n`);
        process.exitCode = EXIT.failed;
      }
    });
}
