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

/**
 * The warmup script's bytes (as a JSON string) by part: each function and each program it
 * holds, and the lines between them. The pod's copy is minified, so a part starts at a line
 * `name() {` or `NAME='` and a function ends at a line `}`.
 */
export function scriptProfile(script = WARMUP_SCRIPT): Share[] {
  const shares: Share[] = [];
  let current: Share = { what: "top level", bytes: 0 };
  const start = (what: string) => {
    if (current.bytes > 0) shares.push(current);
    current = { what, bytes: 0 };
  };
  for (const line of script.split("\n")) {
    const part = /^([A-Za-z_]+)\(\) \{$/.exec(line)?.[1] ?? /^([A-Z_]+)='/.exec(line)?.[1];
    if (part !== undefined) start(/^[A-Z]/.test(part) ? `${part} (program)` : `${part}()`);
    // The line's bytes in the JSON string, and its newline ("\n": two bytes).
    current.bytes += bytesOf(line) - 2 + 2;
    if (line === "}" && current.what.endsWith("()")) start("top level");
  }
  start("");
  // Parts of the top level met again are one share.
  const merged = new Map<string, number>();
  for (const { what, bytes } of shares) merged.set(what, (merged.get(what) ?? 0) + bytes);
  return [...merged].map(([what, bytes]) => ({ what, bytes }));
}
