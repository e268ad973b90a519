import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * Compiles meshtune from src/ into a fresh directory and returns it; `cli/main.js` there is the
 * CLI, run as users run it. A stale or missing dist/ never matters. The directory sits under
 * node_modules so the compiled code finds the project's dependencies, and its package.json makes
 * it an ES module package. The caller removes it.
 */
export async function compileMeshtune(prefix: string): Promise<string> {
  const cache = join(ROOT, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const build = mkdtempSync(join(cache, prefix));
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const compile = await promisify(execFile)(process.execPath, [
    tsc,
    "-p",
    join(ROOT, "tsconfig.build.json"),
    "--outDir",
    build,
    "--sourceMap",
    "false",
  ]).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  // A type error elsewhere in the tree does not stop tsc from emitting; typecheck reports it.
  if (!existsSync(join(build, "cli", "main.js"))) {
    rmSync(build, { recursive: true, force: true });
    throw new Error(`tsc produced no cli/main.js:\n${compile.stdout}`);
  }
  writeFileSync(join(build, "package.json"), '{ "type": "module" }\n');
  return build;
}
