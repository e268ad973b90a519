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
const files = (await Promise.all(names.map((name) => GENERATORS[name]!(ROOT)))).flat();
if (values.check) {
  const stale = await staleGenerated(ROOT, files);
  if (stale.length > 0) {
    console.error(
      `generated files are stale; run npm run generate and commit:\n  ${stale.join("\n  ")}`,
    );
    process.exit(1);
  }
} else {
  for (const path of await writeGenerated(ROOT, files)) console.log(`wrote ${path}`);
}
