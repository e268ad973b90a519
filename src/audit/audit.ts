import type { V1Service } from "@kubernetes/client-node";
import type { Config } from "../config/schema.js";
import { destinationRuleFindings } from "./destination-rules.js";
import { controlPlanes, driftFindings, type ControlPlanes } from "./drift.js";
import { envoyFilterFindings, envoyFiltersFor } from "./envoy-filters.js";
import { labels, selects } from "./fields.js";
import { findingKey, SEVERITIES, type Finding, type Severity } from "./finding.js";
import { floorsOf, type Floors } from "./floors.js";
import { routeFindings } from "./gateway-routes.js";
import { namespaceOf, type Inventory } from "./inventory.js";
import { linkerdTimeoutFindings } from "./linkerd-timeouts.js";
import { podHalf, type PlannedChange, type PodHalf } from "./pod-changes.js";
import { podsState, type PodsState } from "./pod-state.js";
import { sidecarFindings, sidecarFor } from "./sidecars.js";
import { virtualServiceFindings } from "./virtual-services.js";
import { collectWorkloads, podLabels, type Workload } from "./workloads.js";

export interface WorkloadReport {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  profile: string;
  /** Whether the namespace carries the opt-in label; undefined when its labels were not read. */
  optedIn?: boolean;
  /** The label the namespace lacks, "key=value", when it is not opted in. */
  optInLabel?: string;
  plannedFrom: Workload["plannedFrom"];
  /** The pod half: what the webhook would change on the next pods. */
  changes: PlannedChange[];
  kept: string[];
  notes: string[];
  /** The running pods. */
  pods: PodsState;
  /** Services selecting the pods. */
  services: string[];
  findings: Finding[];
}

export interface AuditReport {
  workloads: WorkloadReport[];
  /** Workloads read that meshtune would leave alone. */
  notSelected: number;
  controlPlanes: ControlPlanes;
  notes: string[];
  /** Distinct findings (one shared by two workloads counts once), by severity. */
  findings: Record<Severity, number>;
}

export interface AuditOptions {
  /** The cluster's DNS domain, which Istio appends to short hosts. */
  clusterDomain: string;
}

/** Istio's root namespace is istiod's own (meshConfig.rootNamespace defaults to it). */
function rootNamespaces(planes: ControlPlanes): string[] {
  const namespaces = planes.istio.map(({ namespace }) => namespace);
  return namespaces.length > 0 ? [...new Set(namespaces)] : ["istio-system"];
}

function serviceFindings(
  inventory: Inventory,
  service: V1Service,
  floors: Floors,
  domain: string,
): Finding[] {
  return [
    ...virtualServiceFindings(inventory.virtualServices, service, floors, domain),
    ...destinationRuleFindings(inventory.destinationRules, service, floors, domain),
    ...linkerdTimeoutFindings(service, floors),
    ...routeFindings(inventory.routes, service, floors),
  ];
}

/** The unique findings, in a stable order: by severity, then object and field. */
export function distinct(findings: Finding[]): Finding[] {
  const unique = new Map(findings.map((finding) => [findingKey(finding), finding]));
  return [...unique.values()].sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      findingKey(a).localeCompare(findingKey(b)),
  );
}

/** Whether the namespace carries the opt-in label, when its labels were read; the label if not. */
function optIn(
  labels: Record<string, string> | undefined,
  { key, value }: Config["namespaceLabel"],
): Pick<WorkloadReport, "optedIn" | "optInLabel"> {
  if (labels === undefined) return {};
  return labels[key] === value
    ? { optedIn: true }
    : { optedIn: false, optInLabel: `${key}=${value}` };
}

interface AuditContext {
  inventory: Inventory;
  config: Config;
  options: AuditOptions;
  planes: ControlPlanes;
  roots: string[];
  namespaceLabels: Map<string, Record<string, string>>;
}

/** The Service-level findings and proxy drift of one workload the webhook would select. */
function workloadFindings(
  context: AuditContext,
  workload: Workload,
  half: PodHalf,
  services: V1Service[],
): Finding[] {
  const { inventory, roots, planes } = context;
  const profile = context.config.profiles.find(({ name }) => name === half.profile);
  if (profile === undefined) throw new Error(`the plan names an unknown profile ${half.profile}`);
  const floors = floorsOf(profile);
  const podLabelsOf = podLabels(workload);
  const sidecar = sidecarFor(inventory.sidecars, workload.namespace, podLabelsOf, roots);
  const filters = envoyFiltersFor(inventory.envoyFilters, workload.namespace, podLabelsOf, roots);
  const namespaceLabels = context.namespaceLabels.get(workload.namespace) ?? {};
  return distinct([
    ...services.flatMap((service) =>
      serviceFindings(inventory, service, floors, context.options.clusterDomain),
    ),
    ...sidecarFindings(sidecar, floors),
    ...filters.flatMap((filter) => envoyFilterFindings(filter, floors)),
    ...driftFindings({ workload, namespaceLabels, planes }, half.profile, half.changes),
  ]);
}

/** The report on one workload, or undefined when the webhook would leave its pods alone. */
function workloadReport(context: AuditContext, workload: Workload): WorkloadReport | undefined {
  const nsLabels = context.namespaceLabels.get(workload.namespace);
  const half = podHalf(workload, context.config, nsLabels);
  if (half === undefined) return undefined;
  const podLabelsOf = podLabels(workload);
  const services = context.inventory.services.filter(
    (service) =>
      namespaceOf(service) === workload.namespace &&
      selects(labels(service.spec?.selector), podLabelsOf),
  );
  return {
    apiVersion: workload.apiVersion,
    kind: workload.kind,
    namespace: workload.namespace,
    name: workload.name,
    profile: half.profile,
    ...optIn(nsLabels, context.config.namespaceLabel),
    plannedFrom: workload.plannedFrom,
    changes: half.changes,
    kept: half.kept,
    notes: half.notes,
    pods: podsState(workload.pods),
    services: services.map((service) => service.metadata?.name ?? ""),
    findings: workloadFindings(context, workload, half, services),
  };
}

/**
 * The audit, pure: for every workload the webhook would select (same engine, same config), the
 * pod half it would change, its running pods, and the Service-level objects in front of it
 * checked against the profile's floors, with proxy versions against the control plane's.
 */
export function audit(inventory: Inventory, config: Config, options: AuditOptions): AuditReport {
  const planes = controlPlanes(inventory);
  const context: AuditContext = {
    inventory,
    config,
    options,
    planes,
    roots: rootNamespaces(planes),
    namespaceLabels: new Map(
      inventory.namespaces.map((ns) => [ns.metadata?.name ?? "", labels(ns.metadata?.labels)]),
    ),
  };
  const workloads: WorkloadReport[] = [];
  let notSelected = 0;
  for (const workload of collectWorkloads(inventory)) {
    const report = workloadReport(context, workload);
    if (report === undefined) notSelected += 1;
    else workloads.push(report);
  }
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const finding of distinct(workloads.flatMap(({ findings }) => findings)))
    counts[finding.severity] += 1;
  return {
    workloads,
    notSelected,
    controlPlanes: planes,
    notes: inventory.notes,
    findings: counts,
  };
}
