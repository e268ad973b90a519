// Writes every file the repository generates from another source, or with --check fails naming
// the ones that are stale. `npm run generate` writes them all; `npm run build` the warmup module
// only (it needs no helm); `npm test` checks them all first.
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { staleGenerated, writeGenerated, type Generated } from "./generate/generated.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

// Each generator is loaded only when asked for: the image's build runs the warmup one alone, with
// nothing but src/ and this folder at hand.
const GENERATORS: Record<string, (root: string) => Promise<Generated[]>> = {
  warmup: async (root) => [(await import("./generate/warmup-script.js")).warmupScriptModule(root)],
  chart: async (root) => [
    (await import("./generate/chart-version.js")).chartVersion(root),
    (await import("./generate/values-schema.js")).valuesSchema(),
  ],
  reference: async (root) => [
    (await import("./generate/config-reference.js")).configReference(root),
  ],
  // After chart: the manifests are rendered from the chart files as they are on disk.
  webhook: async (root) => (await import("./generate/webhook-manifests.js")).webhookManifests(root),
};

const { values, positionals } = parseArgs({
  options: { check: { type: "boolean", default: false } },
  allowPositionals: true,
});
const names = positionals.length > 0 ? positionals : Object.keys(GENERATORS);
const unknown = names.filter((name) => !(name in GENERATORS));
if (unknown.length > 0) {
  console.error(
    `unknown generator ${unknown.join(", ")}; known: ${Object.keys(GENERATORS).join(", ")}`,
  );
  process.exit(2);
}
// One generator after the other, each writing before the next reads (webhook renders the chart).
const stale: string[] = [];
for (const name of names) {
  const files = await GENERATORS[name]!(ROOT);
  if (values.check) stale.push(...(await staleGenerated(ROOT, files)));
  else for (const path of await writeGenerated(ROOT, files)) console.log(`wrote ${path}`);
}
if (stale.length > 0) {
  console.error(
    `generated files are stale; run npm run generate and commit:\n  ${stale.join("\n  ")}`,
  );
  process.exit(1);
}
