import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** A directory holding meshtune compiled from src/ for this run; cli/main.js is the CLI. */
    meshtuneBuild: string;
  }
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

// meshtune runs in the e2e suite as users run it, `node cli/main.js serve`, compiled once per run
// into a fresh directory, so a stale or missing dist/ never matters. The directory sits under
// node_modules so the compiled code finds the project's dependencies; its package.json makes it an
// ES module package.
export default async function setup(project: TestProject): Promise<() => void> {
  const cache = join(ROOT, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const build = mkdtempSync(join(cache, "meshtune-e2e-build-"));
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
    throw new Error(`tsc produced no cli/main.js for the e2e suite:\n${compile.stdout}`);
  }
  writeFileSync(join(build, "package.json"), '{ "type": "module" }\n');
  project.provide("meshtuneBuild", build);
  return () => rmSync(build, { recursive: true, force: true });
}
