import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Generated } from "./generated.js";

const CHART = "helm/meshtune/Chart.yaml";

/** Chart.yaml with version and appVersion from package.json, where the version is written once. */
export function chartVersion(root: string): Generated {
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    version: string;
  };
  const chart = readFileSync(join(root, CHART), "utf8");
  const text = chart
    .replace(/^version: .*$/m, `version: ${version}`)
    .replace(/^appVersion: .*$/m, `appVersion: "${version}"`);
  return { path: CHART, text, from: "package.json's version" };
}
