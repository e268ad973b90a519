import { isMap, isScalar, isSeq, type Document } from "yaml";
import { isPlainObject } from "../plain-object.js";
import {
  documentValue,
  parseYamlDocumentsWithin,
  yamlErrorReason,
  type YamlLimits,
} from "../parse/yaml.js";
import { MANIFEST_YAML } from "./source-text.js";

/** Input that cannot be used; the message is one sentence naming the source and the document. */
export class InputError extends Error {
  override name = "InputError";
}

export type Manifest = Record<string, unknown>;

/** One document of the input, as kubectl reads it, and where its text is. */
export interface SourceDocument {
  /** The file it came from, `<stdin>` for standard input. */
  source: string;
  /** Its position in the input, from 1. */
  index: number;
  /** Its text in the input: [start, end), the comments before it included. */
  span: [number, number];
  yaml: Document.Parsed;
  /** Its value, merge keys resolved; null for an empty document. */
  value: Manifest | null;
}

/**
 * What `meshtune mutate` reads: a whole Helm render fits; manifests nest about 20 levels (a CRD's
 * schema more), and a few aliases at most.
 */
const MANIFEST_LIMITS: YamlLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxDepth: 200,
  maxAliases: 1000,
};

function name(kind: unknown, name: unknown): string {
  return `${typeof kind === "string" ? kind : "<no kind>"}/${typeof name === "string" ? name : "<unnamed>"}`;
}

/** `Kind/name` of a manifest, for messages. */
export function describeManifest(manifest: unknown): string {
  const { kind, metadata } = isPlainObject(manifest) ? manifest : {};
  const { name: named, generateName } = isPlainObject(metadata) ? metadata : {};
  return name(kind, named ?? generateName);
}

function scalarText(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === "string" ? node.value : undefined;
}

/** `document 2 (Deployment/llama)`: read from the YAML itself, so even a broken document has one. */
export function documentLabel(index: number, document: Document.Parsed): string {
  const kind = scalarText(document.get("kind", true));
  const named =
    scalarText(document.getIn(["metadata", "name"], true)) ??
    scalarText(document.getIn(["metadata", "generateName"], true));
  if (kind === undefined && named === undefined) return `document ${index}`;
  return `document ${index} (${name(kind, named)})`;
}

function what(contents: unknown): string {
  if (isSeq(contents)) return "a list";
  if (isMap(contents)) return "a mapping";
  return "a scalar";
}

function readDocument(
  document: Document.Parsed,
  index: number,
  source: string,
  input: string,
): Manifest | null {
  const [error] = document.errors;
  if (error) {
    throw new InputError(
      `${source}: ${documentLabel(index, document)} is not valid YAML: ${yamlErrorReason(error, input)}`,
    );
  }
  if (document.contents === null) return null;
  const parsed = documentValue(document, MANIFEST_LIMITS.maxAliases);
  if ("problem" in parsed) {
    throw new InputError(`${source}: ${documentLabel(index, document)} ${parsed.problem}`);
  }
  if (parsed.value === null || parsed.value === undefined) return null;
  if (!isPlainObject(parsed.value)) {
    throw new InputError(
      `${source}: document ${index} is ${what(document.contents)}, not a Kubernetes object (a mapping with kind)`,
    );
  }
  return parsed.value;
}

/**
 * Reads a multi-document YAML stream (JSON is YAML too) as kubectl does, within MANIFEST_LIMITS;
 * throws InputError naming the first document that cannot be read.
 */
export function readDocuments(input: string, source: string): SourceDocument[] {
  const parsed = parseYamlDocumentsWithin(input, MANIFEST_LIMITS, MANIFEST_YAML);
  if ("problem" in parsed) {
    const where = parsed.document === undefined ? "" : ` document ${parsed.document}`;
    throw new InputError(`${source}:${where} ${parsed.problem}`);
  }
  let start = 0;
  return parsed.documents.map((yaml, offset) => {
    const index = offset + 1;
    const span: [number, number] = [start, yaml.range[2]];
    start = yaml.range[2];
    return { source, index, span, yaml, value: readDocument(yaml, index, source, input) };
  });
}
