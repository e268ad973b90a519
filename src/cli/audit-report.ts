import type { AuditReport, WorkloadReport } from "../audit/audit.js";
import { describeRef, SEVERITIES, type Finding, type Severity } from "../audit/finding.js";
import type { PlannedChange } from "../audit/pod-changes.js";
import type { SidecarGroup } from "../audit/pod-state.js";
import { alignColumns } from "./table.js";

/** Where the audit read from, for the report's first line. */
export type AuditSource =
  { kind: "cluster"; context: string; namespace?: string } | { kind: "files"; files: string[] };

const MAX_VALUE = 60;

const short = (value: unknown) => {
  const text = String(value);
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`;
};

function plural(count: number, word: string): string {
  return `${count.toLocaleString("en")} ${word}${count === 1 ? "" : "s"}`;
}

/** "3 errors, 1 warning, 0 info" */
function severityCounts(counts: Record<Severity, number>): string {
  return SEVERITIES.map((s) => (s === "info" ? `${counts[s]} info` : plural(counts[s], s))).join(
    ", ",
  );
}

export function summaryLine(report: AuditReport): string {
  const audited = plural(report.workloads.length, "workload");
  return `${audited} audited, ${report.notSelected.toLocaleString("en")} not selected: ${severityCounts(report.findings)}`;
}

/**
 * The planned changes, grouped as a reader scans them: keys by prefix (sidecar.istio.io/{...}),
 * container changes by container, then whatever else the plan holds, by kind.
 */
function changeLines(changes: PlannedChange[]): string[] {
  const groups = new Map<string, string[]>();
  const add = (group: string, item: string) =>
    groups.set(group, [...(groups.get(group) ?? []), item]);
  for (const change of changes) {
    if (change.key !== undefined) {
      const slash = change.key.lastIndexOf("/");
      const prefix = change.kind === "annotation" ? "" : `${change.kind} `;
      const item = `${change.key.slice(slash + 1)}=${short(change.value)}`;
      add(`${prefix}${change.key.slice(0, slash + 1)}`, item);
    } else if (change.container !== undefined) {
      add(`container ${change.container}:`, change.kind);
    } else if (change.volume !== undefined) {
      add("volume", change.volume);
    } else {
      add(change.kind, change.value === undefined ? "" : short(change.value));
    }
  }
  return [...groups].map(([group, items]) =>
    group.endsWith("/") ? `${group}{${items.join(", ")}}` : `${group} ${items.join(", ")}`.trim(),
  );
}

function resources(values: Record<string, string>): string {
  return `${values.cpu ?? "-"}/${values.memory ?? "-"}`;
}

function sidecarLine(group: SidecarGroup): string {
  const sizes = (name: string, values: Record<string, string>) =>
    Object.keys(values).length === 0 ? `no ${name}` : `${name} ${resources(values)}`;
  return `${group.container} ${group.mode}, ${sizes("requests", group.requests)}, ${sizes("limits", group.limits)}, ${group.image ?? "no image"} (${plural(group.pods, "pod")})`;
}

function podLines(workload: WorkloadReport): string[] {
  const { pods } = workload;
  if (pods.pods === 0) return [`none running (planned from its pod template)`];
  const lines = pods.sidecars.map(sidecarLine);
  if (pods.withoutSidecar > 0)
    lines.push(`${plural(pods.withoutSidecar, "pod")} without a mesh proxy`);
  return [`${plural(pods.pods, "pod")} running`, ...lines];
}

function findingRows(findings: Finding[]): string[] {
  if (findings.length === 0) return ["none"];
  return alignColumns([
    ["SEVERITY", "OBJECT", "FIELD", "FOUND", "WANT", "WHY"],
    ...findings.map((f) => [
      f.severity,
      describeRef(f.object),
      f.field,
      f.found,
      f.expected,
      f.why,
    ]),
  ]);
}

function workloadLines(workload: WorkloadReport): string[] {
  const rows: [string, string[]][] = [
    ["pods", podLines(workload)],
    [
      "would set",
      workload.changes.length > 0
        ? changeLines(workload.changes)
        : ["nothing: already as meshtune sets it"],
    ],
    ["kept", workload.kept],
    ["note", workload.notes],
    [
      "note",
      workload.optedIn === false
        ? [
            `namespace ${workload.namespace} lacks ${workload.optInLabel}: the webhook is not called for it yet`,
          ]
        : [],
    ],
    [
      "services",
      workload.services.length > 0 ? [workload.services.join(", ")] : ["none select its pods"],
    ],
    ["findings", findingRows(workload.findings)],
  ];
  const label = Math.max(...rows.map(([name]) => name.length));
  return [
    `${workload.namespace}  ${workload.kind}/${workload.name}  profile ${workload.profile}`,
    ...rows.flatMap(([name, lines]) =>
      lines.map((line, index) => `  ${(index === 0 ? name : "").padEnd(label)}  ${line}`),
    ),
  ];
}

function sourceLine(source: AuditSource): string {
  if (source.kind === "files") return `meshtune audit of ${source.files.join(", ")}`;
  const scope = source.namespace === undefined ? "all namespaces" : `namespace ${source.namespace}`;
  return `meshtune audit of context ${source.context}, ${scope}`;
}

function controlPlaneLines(report: AuditReport): string[] {
  const { istio, linkerd } = report.controlPlanes;
  const rows = istio.map((plane) => [
    "istio",
    `istiod ${plane.namespace}/${plane.name}`,
    `${plane.image ?? "no image"} (revision ${plane.revision})`,
  ]);
  if (linkerd)
    rows.push([
      "linkerd",
      `linkerd-config ${linkerd.namespace}`,
      `${linkerd.version}${linkerd.minor === undefined ? "" : ` (Linkerd 2.${linkerd.minor})`}`,
    ]);
  return alignColumns(rows);
}

/** The default output: control planes, then each workload with its pod and Service halves, then the summary. */
export function formatTable(report: AuditReport, source: AuditSource): string {
  const lines = [
    sourceLine(source),
    ...controlPlaneLines(report),
    ...report.notes.map((note) => `note: ${note}`),
    ...report.workloads.flatMap((workload) => ["", ...workloadLines(workload)]),
    "",
    summaryLine(report),
  ];
  return `${lines.join("\n")}\n`;
}
