import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { minifyShell } from "../../../scripts/generate/minify-shell.js";
import { WARMUP_SCRIPT } from "../../../src/policy/warmup/warmup-script.generated.js";

const script = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const WARMUP_SH = script("src/policy/warmup/warmup.sh");
// The hostile suite starts meshtune through it, inside a memory cgroup.
const IN_CGROUP_SH = script("test/server/hostile/in-cgroup.sh");

/** Runs a checker over a script; its own output is the failure message. */
function check(program: string, args: string[], path: string): string {
  try {
    return execFileSync(program, [...args, path], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${program} ${args.join(" ")} ${basename(path)} failed:\n${stdout}${stderr}`, {
      cause: error,
    });
  }
}

describe.each([
  ["warmup.sh", WARMUP_SH],
  ["in-cgroup.sh", IN_CGROUP_SH],
])("%s", (_, path) => {
  it("passes shellcheck as POSIX sh", () => {
    expect(check("shellcheck", ["-s", "sh"], path)).toBe("");
  });

  it.each([
    ["dash", ["-n"]],
    ["busybox", ["sh", "-n"]],
  ])("parses in %s", (shell, args) => {
    expect(check(shell, args, path)).toBe("");
  });
});

describe("warmup.sh", () => {
  it("is what the hook embeds, minified", () => {
    expect(WARMUP_SCRIPT).toBe(minifyShell(readFileSync(WARMUP_SH, "utf8")));
  });

  it.each([
    ["dash", ["-n"]],
    ["busybox", ["sh", "-n"]],
  ])("parses in %s minified, as the pod gets it", (shell, args) => {
    expect(execFileSync(shell, args, { input: WARMUP_SCRIPT, encoding: "utf8" })).toBe("");
  });
});
