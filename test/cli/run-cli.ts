import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The built CLI, as users run it: `npm test` builds before it tests.
const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export const fixtureFile = (name: string) =>
  fileURLToPath(new URL(`../fixtures/${name}.yaml`, import.meta.url));

export function meshtune(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], { input, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function temp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "meshtune-cli-")), name);
  writeFileSync(path, text);
  return path;
}
