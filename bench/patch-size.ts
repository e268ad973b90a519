import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Config } from "../src/config/schema.js";
import { mutatePod } from "../src/engine.js";
import { WARMUP_SCRIPT } from "../src/policy/warmup/warmup-script.generated.js";
import { fixturePod } from "../test/fixtures/load.js";

export interface PatchSize {
  fixture: string;
  operations: number;
  /** The JSON Patch as compact JSON, before base64: what the pod carries from then on. */
  bytes: number;
  /** Of those, the warmup script's (as JSON strings, once per warmed container). */
  scriptBytes: number;
}

const FIXTURES = fileURLToPath(new URL("../test/fixtures/", import.meta.url));
const SCRIPT_JSON_BYTES = Buffer.byteLength(JSON.stringify(WARMUP_SCRIPT));

/** The patch each fixture's pod gets from `config`, in a namespace that opted in. */
export function patchSizes(config: Config): PatchSize[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => file.slice(0, -".yaml".length))
    .map((fixture) => {
      const pod = fixturePod(fixture);
      const { patch } = mutatePod(pod, { namespace: pod.metadata?.namespace ?? "default" }, config);
      const text = JSON.stringify(patch);
      const scripts = text.split(JSON.stringify(WARMUP_SCRIPT)).length - 1;
      return {
        fixture,
        operations: patch.length,
        bytes: Buffer.byteLength(text),
        scriptBytes: scripts * SCRIPT_JSON_BYTES,
      };
    });
}
