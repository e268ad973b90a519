import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WARMUP_SCRIPT } from "../../../src/policy/warmup/warmup-script.generated.js";

const SCRIPT = fileURLToPath(new URL("../../../src/policy/warmup/warmup.sh", import.meta.url));

/** Runs a checker over warmup.sh; its own output is the failure message. */
function check(program: string, args: string[]): string {
  try {
    return execFileSync(program, [...args, SCRIPT], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`${program} ${args.join(" ")} warmup.sh failed:\n${stdout}${stderr}`, {
      cause: error,
    });
  }
}

describe("warmup.sh", () => {
  it("passes shellcheck as POSIX sh", () => {
    expect(check("shellcheck", ["-s", "sh"])).toBe("");
  });

  it.each([
    ["dash", ["-n"]],
    ["busybox", ["sh", "-n"]],
  ])("parses in %s", (shell, args) => {
    expect(check(shell, args)).toBe("");
  });

  it("is what the hook embeds, byte for byte", () => {
    expect(WARMUP_SCRIPT).toBe(readFileSync(SCRIPT, "utf8"));
  });
});
