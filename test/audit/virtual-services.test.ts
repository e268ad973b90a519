import type { V1Service } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { virtualServiceFindings } from "../../src/audit/virtual-services.js";
import { brief, FLOORS, resource } from "./inventories.js";

const service: V1Service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "llm", namespace: "inference" },
  spec: { selector: { app: "llm" } },
};

function virtualService(namespace: string, hosts: string[], http: unknown[]) {
  return resource(
    JSON.stringify({
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "route", namespace },
      spec: { hosts, http },
    }),
  );
}

const findings = (...services: ReturnType<typeof virtualService>[]) =>
  virtualServiceFindings(services, service, FLOORS, "cluster.local").map(brief);

describe("VirtualService timeouts", () => {
  it("flag a route timeout shorter than the longest stream, with the fix at its path", () => {
    const [finding] = virtualServiceFindings(
      [virtualService("inference", ["llm"], [{ timeout: "15s" }])],
      service,
      FLOORS,
      "cluster.local",
    );
    expect(finding).toMatchObject({
      severity: "error",
      code: "route-timeout",
      field: "spec.http[0].timeout",
      found: "15s",
      expected: "≥ 300s or none",
      why: "streams longer than 15 s are cut; Istio answers 504 upstream request timeout",
      edit: { path: ["spec", "http", 0, "timeout"], value: "300s" },
    });
  });

  it("flag a per-try timeout, which cuts each attempt", () => {
    expect(
      findings(virtualService("inference", ["llm"], [{ retries: { perTryTimeout: "2s" } }])),
    ).toEqual([
      "error retry-timeout VirtualService inference/route spec.http[0].retries.perTryTimeout 2s",
    ]);
  });

  it("leave a timeout at or above the longest stream, and 0s (no timeout), alone", () => {
    expect(findings(virtualService("inference", ["llm"], [{ timeout: "300s" }]))).toEqual([]);
    expect(findings(virtualService("inference", ["llm"], [{ timeout: "0s" }]))).toEqual([]);
  });

  it("resolve a short host against the VirtualService's namespace, as Istio does", () => {
    expect(findings(virtualService("other", ["llm"], [{ timeout: "15s" }]))).toEqual([]);
    expect(
      findings(virtualService("other", ["llm.inference.svc.cluster.local"], [{ timeout: "15s" }])),
    ).toHaveLength(1);
  });

  it("take a host with a dot as fully qualified: llm.inference names no Service", () => {
    expect(findings(virtualService("inference", ["llm.inference"], [{ timeout: "15s" }]))).toEqual(
      [],
    );
  });

  it("check only the routes of a gateway's VirtualService that send traffic to the Service", () => {
    const gateway = virtualService(
      "ingress",
      ["chat.example.com"],
      [
        { timeout: "10s", route: [{ destination: { host: "web.frontend.svc.cluster.local" } }] },
        { timeout: "20s", route: [{ destination: { host: "llm.inference.svc.cluster.local" } }] },
      ],
    );
    expect(findings(gateway)).toEqual([
      "error route-timeout VirtualService ingress/route spec.http[1].timeout 20s",
    ]);
  });

  it("skip fields of the wrong type instead of failing", () => {
    expect(
      findings(virtualService("inference", ["llm"], ["not a route", { timeout: 15 }])),
    ).toEqual([]);
  });
});
