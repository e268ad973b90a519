import { describe, expect, it } from "vitest";
import { only } from "./objects.js";
import { helmTemplate, type KubeObject } from "./render.js";
import { schemaProblems } from "./schema.js";

// The schema check the install tests rely on must itself catch the mistakes charts make.

const objects = helmTemplate({ values: { certificates: { mode: "cert-manager" } } });

/** The object of `kind`, with the value at `path` replaced (or deleted, for undefined). */
function broken(kind: string, path: (string | number)[], value: unknown): KubeObject {
  const copy = structuredClone(only<KubeObject>(objects, kind));
  const last = path.at(-1) as string | number;
  const parent = path
    .slice(0, -1)
    .reduce<Record<string | number, unknown>>(
      (node, key) => node[key] as Record<string | number, unknown>,
      copy,
    );
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

describe("the schema check", () => {
  it("finds a misspelt field deep in a pod template", () => {
    const deployment = broken(
      "Deployment",
      ["spec", "template", "spec", "containers", 0, "securityContex"],
      { runAsNonRoot: true },
    );
    expect(schemaProblems(deployment)).toEqual([
      "Deployment meshtune: spec.template.spec.containers[0].securityContex: unknown field in V1Container",
    ]);
  });

  it("finds a value of the wrong type", () => {
    const deployment = broken("Deployment", ["spec", "replicas"], "2");
    expect(schemaProblems(deployment)).toEqual([
      "Deployment meshtune: data/spec/replicas must be integer",
    ]);
  });

  it("finds a missing required field", () => {
    const configuration = broken(
      "MutatingWebhookConfiguration",
      ["webhooks", 0, "sideEffects"],
      undefined,
    );
    expect(schemaProblems(configuration)).toEqual([
      "MutatingWebhookConfiguration 00-meshtune: data/webhooks/0 must have required property sideEffects",
    ]);
  });

  it("checks cert-manager objects against their CRD schema", () => {
    const certificate = broken("Certificate", ["spec", "dnsNames"], [443]);
    expect(schemaProblems(certificate)).toEqual([
      "Certificate meshtune: data/spec/dnsNames/0 must be string",
    ]);
  });

  it("refuses a kind it has no schema for rather than passing it", () => {
    const unknown: KubeObject = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
    };
    expect(schemaProblems(unknown)).toEqual([
      "Widget w: no schema for example.com/v1 Widget; add it to test/install/schema.ts",
    ]);
  });
});
