import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { kubeTools } from "../../scripts/kube-tools.js";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
const CHART = join(REPO, "helm", "meshtune");
export const KUSTOMIZE_BASE = join(REPO, "webhook");

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** kind/namespace/name: what identifies an object in a cluster. */
export const identity = (object: KubeObject) =>
  `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;

function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0)
        throw new Error(`rendered YAML does not parse: ${document.errors[0]?.message}`);
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

function run(tool: string, args: string[]): string {
  try {
    return execFileSync(tool, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      cwd: REPO,
    });
  } catch (error) {
    throw new Error(String((error as { stderr?: string }).stderr ?? error).trim(), {
      cause: error,
    });
  }
}

export interface HelmOptions {
  values?: Record<string, unknown>;
  release?: string;
  namespace?: string;
  kubeVersion?: string;
}

/** `helm template` of the chart; throws with helm's own message when rendering fails. */
export function helmTemplate(options: HelmOptions = {}): KubeObject[] {
  const { values = {}, release = "meshtune", namespace = "meshtune", kubeVersion } = options;
  const valuesFile = join(mkdtempSync(join(tmpdir(), "meshtune-values-")), "values.json");
  writeFileSync(valuesFile, JSON.stringify(values));
  const args = ["template", release, CHART, "--namespace", namespace, "--values", valuesFile];
  if (kubeVersion !== undefined) args.push("--kube-version", kubeVersion);
  return parseManifests(run(kubeTools().helm, args));
}

export function helmLint(): string {
  return run(kubeTools().helm, ["lint", "--strict", CHART]);
}

/** `kubectl kustomize webhook/`, what `kubectl apply -k webhook/` applies. */
export function kustomizeBuild(): KubeObject[] {
  return parseManifests(run(kubeTools().kubectl, ["kustomize", KUSTOMIZE_BASE]));
}
