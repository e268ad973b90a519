import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { audit, type AuditReport } from "../../src/audit/audit.js";
import type { Finding } from "../../src/audit/finding.js";
import { floorsOf, type Floors } from "../../src/audit/floors.js";
import type { Inventory, Resource } from "../../src/audit/inventory.js";
import { readManifests } from "../../src/cli/audit-files.js";
import { loadConfig, parseConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";

export const SHIPPED = loadConfig();

/** The shipped profile's floors: longest stream 300 s, pools 1000/10000/10000, 10 MiB bodies. */
export const FLOORS: Floors = floorsOf(SHIPPED.profiles[0]!);

export const auditFixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/audit/${name}.yaml`, import.meta.url));

/** The inventory a fixture under test/fixtures/audit reads into, as `meshtune audit -f` reads it. */
export function fixtureInventory(...names: string[]): Inventory {
  return readManifests(names.map(auditFixture), undefined).inventory;
}

export function auditOf(inventory: Inventory, config: Config = SHIPPED): AuditReport {
  return audit(inventory, config, { clusterDomain: "cluster.local" });
}

export const configWith = (yaml: string) => parseConfig(yaml);

/** What a finding says, in a form a test reads at a glance: "error route-timeout VirtualService inference/x spec.http[0].timeout 15s". */
export function brief(finding: Finding): string {
  const { severity, code, object, field, found } = finding;
  return `${severity} ${code} ${object.kind} ${object.namespace ?? ""}/${object.name} ${field} ${found}`;
}

/** Every finding of the report, each once. */
export function allFindings(report: AuditReport): string[] {
  return [...new Set(report.workloads.flatMap(({ findings }) => findings.map(brief)))];
}

/** A resource from YAML text. */
export function resource(yaml: string): Resource {
  return parse(yaml) as Resource;
}
