import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const { version } = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as { version: string };

describe("meshtune --version", () => {
  it("prints the version package.json gives", () => {
    const result = spawnSync(process.execPath, [CLI, "--version"], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });
});
