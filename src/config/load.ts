import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { yamlErrorReason } from "../parse/yaml.js";
import { configSchema, type Config } from "./schema.js";

/** The config shipped with meshtune, used when no path is given. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(
  new URL("../../config/meshtune.yaml", import.meta.url),
);

/** A config that cannot be used; `problems` are one line each, naming the exact path. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid meshtune config ${source}:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else text += text === "" ? String(key) : `.${String(key)}`;
  }
  return text === "" ? "(top level)" : text;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys
        .map(
          (key) =>
            `${formatPath([...issue.path, key])}: unknown key; check its spelling against the configuration reference`,
        )
        .join("\n  ");
    case "invalid_value":
      return `${where}: ${JSON.stringify(issue.input)} is not allowed; use one of ${issue.values.map(String).join(", ")}`;
    case "invalid_type":
      return issue.input === undefined
        ? `${where}: is required (${issue.expected})`
        : `${where}: expected ${issue.expected}, got ${JSON.stringify(issue.input)}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/** Parses and validates config YAML (or JSON); throws ConfigError naming every problem. */
export function parseConfig(text: string, source = "<inline>"): Config {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => `YAML: ${yamlErrorReason(error)}`),
    );
  }
  const data: unknown = document.toJS() ?? {};
  const result = configSchema.safeParse(data, { reportInput: true });
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describeIssue));
  return result.data;
}

export function readConfigText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
}

export function loadConfig(path: string = DEFAULT_CONFIG_PATH): Config {
  return parseConfig(readConfigText(path), path);
}
