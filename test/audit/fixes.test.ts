import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/audit/finding.js";
import { applyEdits, fixesByObject, forApply } from "../../src/audit/fixes.js";

const object = {
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  namespace: "a",
  name: "vs",
};

function finding(field: string, edit?: Finding["edit"]): Finding {
  return {
    severity: "error",
    code: "route-timeout",
    object,
    field,
    found: "15s",
    expected: "≥ 300s or none",
    why: "streams longer than 15 s are cut",
    ...(edit ? { edit } : { remedy: "restart the pods" }),
  };
}

describe("fixes", () => {
  it("group the edits by object and keep the rest as actions", () => {
    const edits = [
      finding("spec.http[0].timeout", { path: ["spec", "http", 0, "timeout"], value: "300s" }),
      finding("spec.http[1].timeout", { path: ["spec", "http", 1, "timeout"], value: "300s" }),
    ];
    const { edits: fixes, actions } = fixesByObject([...edits, finding("istio-proxy image")]);
    expect(fixes).toEqual([{ object, findings: edits }]);
    expect(actions.map(({ field }) => field)).toEqual(["istio-proxy image"]);
  });

  it("apply edits to a copy, leaving the original as it was", () => {
    const original = { spec: { http: [{ timeout: "15s", route: [] }] } };
    const fixed = applyEdits(original, [
      finding("x", { path: ["spec", "http", 0, "timeout"], value: "300s" }),
    ]);
    expect(fixed).toEqual({ spec: { http: [{ timeout: "300s", route: [] }] } });
    expect(original.spec.http[0]?.timeout).toBe("15s");
  });

  it("give kubectl apply the whole object without what the apiserver keeps for itself", () => {
    const live = {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "llm",
        namespace: "a",
        uid: "1",
        resourceVersion: "42",
        generation: 3,
        creationTimestamp: new Date("2026-01-01T00:00:00Z"),
        managedFields: [{ manager: "kubectl" }],
        labels: { app: "llm" },
        annotations: {
          "kubectl.kubernetes.io/last-applied-configuration": "{}",
          "timeout.linkerd.io/request": "10s",
        },
      },
      spec: { selector: { app: "llm" }, ports: [{ port: 80 }] },
      status: { loadBalancer: {} },
    };
    expect(forApply(live)).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "llm",
        namespace: "a",
        labels: { app: "llm" },
        annotations: { "timeout.linkerd.io/request": "10s" },
      },
      spec: { selector: { app: "llm" }, ports: [{ port: 80 }] },
    });
    expect(Object.keys(forApply(live))).toEqual(["apiVersion", "kind", "metadata", "spec"]);
  });
});
