import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { admissionWarning } from "../../src/admission/warnings.js";
import { loadConfig } from "../../src/config/load.js";
import { mutatePod } from "../../src/engine.js";
import { explain, type Decision } from "../../src/policy/decision.js";
import { WARMUP_SCRIPT } from "../../src/policy/warmup/warmup-script.generated.js";
import { fixturePod } from "../fixtures/load.js";

// The planner's behaviour, pinned: for each fixture under each config, the patch and the
// explanation are kept in test/policy/golden/<config>/. A change to either shows as a diff in
// review. `UPDATE_GOLDEN=1 npx vitest run test/policy/planner.golden.test.ts` rewrites them and
// deletes the files of cases that no longer exist.

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const GOLDEN = fileURLToPath(new URL("./golden/", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

const CONFIGS: Record<string, string> = {
  shipped: "config/meshtune.yaml",
  "training-opt-out": "config/examples/training-opt-out.yaml",
  "pinned-proxies": "test/fixtures/configs/pinned-proxies.yaml",
};

const fixtures = readdirSync(FIXTURES)
  .filter((file) => file.endsWith(".yaml"))
  .map((file) => file.slice(0, -".yaml".length))
  .sort();

// The script is the same in every hook and is tested by running it (test/policy/warmup/): the
// golden files name it rather than repeat it.
const SCRIPT_PLACEHOLDER = "<the warmup script>";

function renderPatch(patch: unknown): string {
  const named = (_key: string, value: unknown) =>
    value === WARMUP_SCRIPT ? SCRIPT_PLACEHOLDER : value;
  return `${JSON.stringify(patch, named, 2)}\n`;
}

function renderExplanation(lines: string[], warnings: Decision[]): string {
  const sent = warnings.length === 0 ? ["(none)"] : warnings.map(admissionWarning);
  return [...lines, "", "warnings sent:", ...sent.map((warning) => `  ${warning}`), ""].join("\n");
}

interface Case {
  config: string;
  fixture: string;
  files: Record<string, string>;
}

const cases: Case[] = Object.entries(CONFIGS).flatMap(([config, path]) => {
  const loaded = loadConfig(join(REPO, path));
  return fixtures.map((fixture) => {
    const pod = fixturePod(fixture);
    const { plan, patch } = mutatePod(
      pod,
      { namespace: pod.metadata?.namespace ?? "default" },
      loaded,
    );
    const explanation = explain(plan.decisions);
    return {
      config,
      fixture,
      files: {
        [`${fixture}.patch.json`]: renderPatch(patch),
        [`${fixture}.explain.txt`]: renderExplanation(explanation, plan.warnings),
      },
    };
  });
});

const expected = new Set(
  cases.flatMap(({ config, files }) => Object.keys(files).map((file) => join(config, file))),
);

describe("the planner's golden files", () => {
  it.each(cases.map((each) => [`${each.fixture} under the ${each.config} config`, each] as const))(
    "match the patch and the explanation for %s",
    (_name, { config, files }) => {
      const directory = join(GOLDEN, config);
      for (const [file, text] of Object.entries(files)) {
        const path = join(directory, file);
        if (UPDATE) {
          mkdirSync(directory, { recursive: true });
          writeFileSync(path, text);
          continue;
        }
        expect(existsSync(path), `${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
        expect(text, `${path} differs; if the change is meant, run with UPDATE_GOLDEN=1`).toBe(
          readFileSync(path, "utf8"),
        );
      }
    },
  );

  it("has no file for a case that no longer exists", () => {
    const present = existsSync(GOLDEN)
      ? readdirSync(GOLDEN, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => join(entry.parentPath, entry.name).slice(GOLDEN.length))
      : [];
    const stale = present.filter((file) => !expected.has(file));
    if (UPDATE) for (const file of stale) rmSync(join(GOLDEN, file));
    else expect(stale, "stale golden files; run with UPDATE_GOLDEN=1 to delete them").toEqual([]);
  });
});
