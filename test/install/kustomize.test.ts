import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { helmTemplate, identity, kustomizeBuild, REPO, type KubeObject } from "./render.js";
import { schemaProblems } from "./schema.js";

// Labels only Helm sets: everything else must match between the two installs.
const HELM_ONLY_LABELS = ["helm.sh/chart", "app.kubernetes.io/managed-by"];

function withoutHelmLabels(
  labels: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (labels === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(labels).filter(([key]) => !HELM_ONLY_LABELS.includes(key)),
  );
}

/** The object as the cluster would hold it, minus Helm's labels, with the config file parsed. */
function comparable(object: KubeObject): unknown {
  const copy = structuredClone(object) as KubeObject & {
    data?: Record<string, string>;
    spec?: { template?: { metadata?: { labels?: Record<string, string> } } };
  };
  copy.metadata.labels = withoutHelmLabels(copy.metadata.labels);
  const template = copy.spec?.template?.metadata;
  if (template) template.labels = withoutHelmLabels(template.labels);
  if (copy.kind === "ConfigMap" && copy.data) {
    return {
      ...copy,
      data: Object.fromEntries(
        Object.entries(copy.data).map(([key, text]) => [key, parse(text) as unknown]),
      ),
    };
  }
  return copy;
}

const kustomized = kustomizeBuild();
const charted = helmTemplate();

describe("the kustomize base (kubectl apply -k webhook/)", () => {
  it("renders objects valid against the Kubernetes schema", () => {
    expect(kustomized.length).toBeGreaterThan(0);
    expect(kustomized.flatMap(schemaProblems)).toEqual([]);
  });

  it("creates the namespace, which Helm leaves to --create-namespace, for restricted pods", () => {
    const namespaces = kustomized.filter((object) => object.kind === "Namespace");
    expect(namespaces.map(identity)).toEqual(["Namespace//meshtune"]);
    expect(namespaces[0]?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe(
      "restricted",
    );
  });

  it("renders the same objects as the Helm chart with default values", () => {
    const fromKustomize = kustomized.filter((object) => object.kind !== "Namespace");
    expect(fromKustomize.map(identity).sort()).toEqual(charted.map(identity).sort());
    const chartByIdentity = new Map(charted.map((object) => [identity(object), object]));
    for (const object of fromKustomize) {
      const drift = `${identity(object)} differs between webhook/ and helm/meshtune: run npm run generate`;
      expect(comparable(object), drift).toEqual(
        comparable(chartByIdentity.get(identity(object)) as KubeObject),
      );
    }
  });

  it("ships config/meshtune.yaml unchanged, comments and all, as its ConfigMap", () => {
    const shipped = readFileSync(join(REPO, "config", "meshtune.yaml"), "utf8");
    const configMap = kustomized.find((object) => object.kind === "ConfigMap") as KubeObject & {
      data: Record<string, string>;
    };
    expect(configMap.data["meshtune.yaml"]).toBe(shipped);
  });
});
