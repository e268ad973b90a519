import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { configSchema } from "../../src/config/schema.js";
import type { Generated } from "./generated.js";

// README's configuration reference, made from the descriptions and defaults in the zod schema.

const README = "README.md";
const START =
  "<!-- configuration reference: generated from src/config/schema.ts by `npm run generate` -->";
const END = "<!-- end of the configuration reference -->";
const LONG_DEFAULT = 60;

interface Node {
  title?: string;
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
  required?: string[];
}

interface Row {
  key: string;
  value: string;
  default: string;
  meaning: string;
}

const code = (text: string) => `\`${text}\``;

// What a config with one bare profile holds: the defaults of the values JSON Schema cannot show
// (those behind a transform, such as quantities).
const DEFAULTS = configSchema.parse({ profiles: [{ name: "p" }] });

function defaultAt(path: string): unknown {
  let value: unknown = DEFAULTS;
  for (const key of path.replace(/\[\]/g, ".0").split(".")) {
    value = (value as Record<string, unknown> | undefined)?.[key];
  }
  return value;
}

/** A default as YAML flow style would write it, or a pointer to the file when it is long. */
function showDefault(node: Node, path: string): string {
  const leaf = node.properties === undefined && !(node.type === "array" && node.items?.properties);
  const value = "default" in node ? node.default : leaf ? defaultAt(path) : undefined;
  if (value === undefined) return "";
  const flow = JSON.stringify(value)
    .replace(/"([^"]*)"/g, "$1")
    .replace(/,/g, ", ");
  if (flow === "{}") return "";
  return flow.length > LONG_DEFAULT ? "see `config/meshtune.yaml`" : code(flow);
}

function showType(node: Node): string {
  if (node.title) return node.title;
  if (node.enum) return node.enum.map((each) => code(String(each))).join(", ");
  if (node.anyOf) return [...new Set(node.anyOf.map(showType))].join(" or ");
  if (node.type === "array") return `list of ${node.items ? showType(node.items) : "values"}`;
  if (node.type === "object") return "map";
  if (node.type === "integer") return "whole number";
  return String(node.type ?? "value");
}

// A label selector is one value to the reader, not four keys.
const isSelector = (node: Node) =>
  node.properties !== undefined &&
  Object.keys(node.properties).sort().join() === "matchExpressions,matchLabels";

function rows(node: Node, path: string, required = false): Row[] {
  const here: Row[] = path === "" ? [] : [row(node, path, required)];
  if (isSelector(node)) return [{ ...row(node, path, required), value: "label selector" }];
  if (node.properties) {
    const prefix = path === "" ? "" : `${path}.`;
    return [
      ...here,
      ...Object.entries(node.properties).flatMap(([key, child]) =>
        rows(child, prefix + key, node.required?.includes(key) && !("default" in child)),
      ),
    ];
  }
  if (node.type === "array" && node.items?.properties && !isSelector(node.items)) {
    return [...here, ...rows({ ...node.items, description: undefined }, `${path}[]`)];
  }
  return here;
}

function row(node: Node, path: string, required: boolean): Row {
  return {
    key: code(path),
    value: showType(node),
    default: required ? "required" : showDefault(node, path),
    meaning: node.description ?? "",
  };
}

export function configReferenceTable(): string {
  const schema = z.toJSONSchema(configSchema, { target: "draft-7", io: "input" }) as Node;
  const table = rows(schema, "").filter((each) => each.meaning !== "" || each.default !== "");
  const escape = (text: string) => text.replace(/\|/g, "\\|");
  return [
    "| key | value | default | meaning |",
    "| --- | --- | --- | --- |",
    ...table.map(
      (each) => `| ${[each.key, each.value, each.default, each.meaning].map(escape).join(" | ")} |`,
    ),
  ].join("\n");
}

export function configReference(root: string): Generated {
  const readme = readFileSync(join(root, README), "utf8");
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) {
    throw new Error(
      `${README} must hold the markers\n  ${START}\n  ${END}\naround the configuration reference`,
    );
  }
  const text = `${readme.slice(0, start + START.length)}\n\n${configReferenceTable()}\n\n${readme.slice(end)}`;
  return { path: README, text, from: "src/config/schema.ts", format: true };
}
