import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { V1Deployment } from "@kubernetes/client-node";
import type { Document as YamlDocument } from "yaml";
import { labels, list, record } from "../audit/fields.js";
import type { ObjectRef } from "../audit/finding.js";
import { emptyInventory, type Inventory, type Resource } from "../audit/inventory.js";
import { refOf } from "../audit/refs.js";
import { AuditError } from "./audit-error.js";
import { InputError, readDocuments, type SourceDocument } from "./documents.js";
import { locatePod } from "./workloads.js";

/** An object read from a file, with the YAML document it came from when it was a whole one. */
export interface SourceObject {
  object: Resource;
  /** The document and its file's text, for fixes that keep every other byte; absent for a List's items. */
  document?: { yaml: YamlDocument; text: string };
}

export interface FileRead {
  inventory: Inventory;
  sources: SourceObject[];
}

const MANIFEST = /\.(ya?ml|json)$/;

/** The files behind -f: a file, every manifest in a directory, or "-" for standard input. */
function readSources(path: string): { name: string; text: string }[] {
  try {
    if (path === "-") return [{ name: "<stdin>", text: readFileSync(0, "utf8") }];
    if (!statSync(path).isDirectory()) return [{ name: path, text: readFileSync(path, "utf8") }];
    return readdirSync(path)
      .filter((name) => MANIFEST.test(name))
      .sort()
      .map((name) => ({ name: join(path, name), text: readFileSync(join(path, name), "utf8") }));
  } catch (error) {
    throw new AuditError(
      `cannot read ${path === "-" ? "standard input" : path}: ${(error as Error).message}`,
    );
  }
}

const group = (apiVersion: unknown) =>
  typeof apiVersion === "string" && apiVersion.includes("/")
    ? (apiVersion.split("/")[0] ?? "")
    : "";

type Field = Exclude<keyof Inventory, "notes" | "templates" | "linkerdConfig" | "istiods">;

// Where an object of each group and kind goes; kinds the audit does not read are not listed.
const PLACES: Record<string, Field> = {
  "networking.istio.io VirtualService": "virtualServices",
  "networking.istio.io DestinationRule": "destinationRules",
  "networking.istio.io EnvoyFilter": "envoyFilters",
  "networking.istio.io Sidecar": "sidecars",
  "gateway.networking.k8s.io HTTPRoute": "routes",
  "gateway.networking.k8s.io GRPCRoute": "routes",
  "policy.linkerd.io HTTPRoute": "routes",
  " Namespace": "namespaces",
  " Pod": "pods",
  " Service": "services",
};

/** Puts an object where the audit looks for its kind; kinds it does not read are ignored. */
function sort(inventory: Inventory, object: Resource): void {
  const place = PLACES[`${group(object.apiVersion)} ${String(object.kind)}`];
  if (place !== undefined) {
    (inventory[place] as Resource[]).push(object);
    return;
  }
  if (object.kind === "ConfigMap" && object.metadata?.name === "linkerd-config") {
    inventory.linkerdConfig = object;
    return;
  }
  const location = locatePod(object as Record<string, unknown>);
  if (location === undefined) return;
  const ref = refOf(object);
  inventory.templates.push({ ...ref, namespace: ref.namespace ?? "default", pod: location.pod });
  if (object.kind === "Deployment" && labels(object.metadata?.labels).app === "istiod")
    inventory.istiods.push(object as V1Deployment);
}

/** The object with its namespace filled in, as the apiserver would for a namespaced kind. */
function placed(value: Record<string, unknown>, namespace: string | undefined): Resource {
  const object = value as Resource;
  if (object.kind === "Namespace" || record(object.metadata)?.namespace !== undefined)
    return object;
  return { ...object, metadata: { ...object.metadata, namespace: namespace ?? "default" } };
}

function objectsOf(value: unknown, where: string): Record<string, unknown>[] {
  const object = record(value);
  if (object === undefined)
    throw new AuditError(`${where} is not a Kubernetes object (expected a mapping with kind)`);
  if (object.kind === "List") return list(object.items).flatMap((item) => objectsOf(item, where));
  if (record(object.metadata) === undefined && object.metadata !== undefined)
    throw new AuditError(`${where}: metadata is not a mapping`);
  return [object];
}

/**
 * The documents of one file as kubectl reads them (go-yaml's YAML 1.1), within the limits
 * `meshtune mutate` reads manifests with: size, nesting and aliases are bounded before anything
 * walks them, so a hostile manifest is an error naming it, never a crash.
 */
function documentsOf(name: string, text: string): SourceDocument[] {
  try {
    return readDocuments(text, name);
  } catch (error) {
    if (error instanceof InputError) throw new AuditError(error.message);
    throw error;
  }
}

/** Reads manifests as `kustomize build` or `helm template` print them, into what the audit reads. */
export function readManifests(paths: string[], namespace: string | undefined): FileRead {
  const inventory = emptyInventory();
  const sources: SourceObject[] = [];
  for (const { name, text } of paths.flatMap(readSources)) {
    for (const { index, yaml, value } of documentsOf(name, text)) {
      if (value === null) continue;
      const objects = objectsOf(value, `${name}: document ${index}`);
      for (const object of objects) {
        const resource = placed(object, namespace);
        sort(inventory, resource);
        const whole = objects.length === 1 && object === value;
        sources.push({
          object: resource,
          ...(whole ? { document: { yaml, text } } : {}),
        });
      }
    }
  }
  return { inventory, sources };
}

export function findSource(sources: SourceObject[], ref: ObjectRef): SourceObject | undefined {
  return sources.find(({ object }) => {
    const other = refOf(object);
    return (
      other.apiVersion === ref.apiVersion &&
      other.kind === ref.kind &&
      other.namespace === ref.namespace &&
      other.name === ref.name
    );
  });
}
