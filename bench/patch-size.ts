import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Operation } from "fast-json-patch";
import type { Config } from "../src/config/schema.js";
import { mutatePod } from "../src/engine.js";
import { WARMUP_SCRIPT } from "../src/policy/warmup/warmup-script.generated.js";
import { fixturePod } from "../test/fixtures/load.js";

/** Bytes of compact JSON, by what they carry. */
export interface Share {
  what: string;
  bytes: number;
}

export interface PatchSize {
  fixture: string;
  operations: number;
  /** The JSON Patch as compact JSON, before base64: what the pod carries from then on. */
  bytes: number;
  /** Of those, the warmup script's (as JSON strings, once per warmed container). */
  scriptBytes: number;
  /** Each operation's bytes, the warmup script's taken out of the operation holding it. */
  byOperation: Share[];
}

/** The fixture the patch-size target is about: a vLLM Deployment, the commonest GPU pod. */
export const TARGET_FIXTURE = "vllm-deployment";

const FIXTURES = fileURLToPath(new URL("../test/fixtures/", import.meta.url));
const SCRIPT_JSON = JSON.stringify(WARMUP_SCRIPT);
const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** What an operation's bytes are, outside the scripts it holds. */
function operationShares(patch: Operation[]): Share[] {
  return patch.map((operation) => {
    const text = JSON.stringify(operation);
    const scripts = text.split(SCRIPT_JSON).length - 1;
    const bytes = Buffer.byteLength(text) - scripts * Buffer.byteLength(SCRIPT_JSON);
    return { what: `${operation.op} ${operation.path}`, bytes };
  });
}

/** The patch each fixture's pod gets from `config`, in a namespace that opted in. */
export function patchSizes(config: Config): PatchSize[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => file.slice(0, -".yaml".length))
    .map((fixture) => {
      const pod = fixturePod(fixture);
      const { patch } = mutatePod(pod, { namespace: pod.metadata?.namespace ?? "default" }, config);
      const text = JSON.stringify(patch);
      const scripts = text.split(SCRIPT_JSON).length - 1;
      return {
        fixture,
        operations: patch.length,
        bytes: Buffer.byteLength(text),
        scriptBytes: scripts * Buffer.byteLength(SCRIPT_JSON),
        byOperation: operationShares(patch),
      };
    });
}

/** The part of the script a line starts, if it starts one: a function or a program. */
function partStartedBy(line: string): string | undefined {
  const name = /^([a-z_]+)\(\) \{$/.exec(line)?.[1];
  if (name !== undefined) return `${name}()`;
  const program = /^([A-Z_]+)='/.exec(line)?.[1];
  return program === undefined ? undefined : `${program} (program)`;
}

/**
 * The warmup script's bytes (as a JSON string) by part: each function and each program it
 * holds, and the lines between them. The pod's copy is minified (no indentation), so a function
 * ends at the `}` that closes it (lines ending in `{` open a group, lines starting with `}` close
 * one) and a program at its closing quote.
 */
export function scriptProfile(script = WARMUP_SCRIPT): Share[] {
  const shares = new Map<string, number>();
  let part = "top level";
  let depth = 0;
  for (const line of script.split("\n")) {
    const started = part === "top level" ? partStartedBy(line) : undefined;
    if (started !== undefined) part = started;
    // bytesOf counts the line and two quotes, which stand for its newline ("\n" in JSON).
    shares.set(part, (shares.get(part) ?? 0) + bytesOf(line));
    if (part.endsWith("()")) {
      depth += (line.endsWith("{") ? 1 : 0) - (line.startsWith("}") ? 1 : 0);
      if (depth === 0) part = "top level";
    } else if (line.endsWith("'") && (started === undefined || !line.endsWith("='"))) {
      part = "top level";
    }
  }
  return [...shares].map(([what, bytes]) => ({ what, bytes }));
}
