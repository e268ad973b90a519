import type { V1Service } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { destinationRuleFindings, destinationRulesFor } from "../../src/audit/destination-rules.js";
import { sidecarFindings, sidecarFor } from "../../src/audit/sidecars.js";
import type { Resource } from "../../src/audit/inventory.js";
import { brief, FLOORS } from "./inventories.js";

const service: V1Service = { metadata: { name: "llm", namespace: "inference" } };

function rule(name: string, namespace: string, host: string, spec: object = {}): Resource {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name, namespace },
    spec: { host, ...spec },
  };
}

const pool = (tcp: object, http: object = {}) => ({ connectionPool: { tcp, http } });

describe("DestinationRule connection pools", () => {
  it("flag each ceiling below its floor, naming the 503 users get", () => {
    const findings = destinationRuleFindings(
      [
        rule("llm", "inference", "llm", {
          trafficPolicy: pool(
            { maxConnections: 100 },
            { http1MaxPendingRequests: 1024, http2MaxRequests: 1024 },
          ),
        }),
      ],
      service,
      FLOORS,
      "cluster.local",
    );
    expect(findings.map(brief)).toEqual([
      "warning pool-max-connections DestinationRule inference/llm spec.trafficPolicy.connectionPool.tcp.maxConnections 100",
      "warning pool-pending-requests DestinationRule inference/llm spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests 1024",
      "warning pool-concurrent-requests DestinationRule inference/llm spec.trafficPolicy.connectionPool.http.http2MaxRequests 1024",
    ]);
    expect(findings[0]).toMatchObject({
      expected: "≥ 1000",
      why: "each client proxy opens at most 100 connections; over HTTP/1.1 each stream holds one, so stream 101 waits and overflow gets 503",
      edit: {
        path: ["spec", "trafficPolicy", "connectionPool", "tcp", "maxConnections"],
        value: 1000,
      },
    });
  });

  it("check the pools of port-level settings and subsets too", () => {
    const findings = destinationRuleFindings(
      [
        rule("llm", "inference", "llm", {
          trafficPolicy: {
            portLevelSettings: [{ port: { number: 80 }, ...pool({ maxConnections: 10 }) }],
          },
          subsets: [{ name: "v2", trafficPolicy: pool({ maxConnections: 20 }) }],
        }),
      ],
      service,
      FLOORS,
      "cluster.local",
    );
    expect(findings.map(({ field }) => field)).toEqual([
      "spec.trafficPolicy.portLevelSettings[0].connectionPool.tcp.maxConnections",
      "spec.subsets[0].trafficPolicy.connectionPool.tcp.maxConnections",
    ]);
  });

  it("take 0 as unset, as Istio does (Envoy keeps its limit of 2^32-1)", () => {
    const zero = rule("llm", "inference", "llm", { trafficPolicy: pool({ maxConnections: 0 }) });
    expect(destinationRuleFindings([zero], service, FLOORS, "cluster.local")).toEqual([]);
  });

  it("use the rule for the exact host over a wildcard one, and the most specific wildcard otherwise", () => {
    const exact = rule("exact", "inference", "llm.inference.svc.cluster.local");
    const namespaceWide = rule("ns", "inference", "*.inference.svc.cluster.local");
    const meshWide = rule("mesh", "istio-system", "*.local");
    const names = (rules: Resource[]) =>
      destinationRulesFor(rules, service, "cluster.local").map((r) => r.metadata?.name);
    expect(names([meshWide, namespaceWide, exact])).toEqual(["exact"]);
    expect(names([meshWide, namespaceWide])).toEqual(["ns"]);
    expect(names([meshWide])).toEqual(["mesh"]);
    expect(names([rule("other", "inference", "web")])).toEqual([]);
  });
});

function sidecar(name: string, namespace: string, spec: object): Resource {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "Sidecar",
    metadata: { name, namespace },
    spec,
  };
}

describe("Sidecar inbound pools", () => {
  const labels = { app: "llm" };

  it("come from the Sidecar selecting the pod, else the namespace's, else the root namespace's", () => {
    const selected = sidecar("selected", "inference", { workloadSelector: { labels } });
    const other = sidecar("other", "inference", { workloadSelector: { labels: { app: "web" } } });
    const namespaceDefault = sidecar("default", "inference", {});
    const rootDefault = sidecar("default", "istio-system", {});
    const pick = (sidecars: Resource[]) =>
      sidecarFor(sidecars, "inference", labels, ["istio-system"])?.metadata;
    expect(pick([rootDefault, namespaceDefault, other, selected])).toMatchObject({
      name: "selected",
    });
    expect(pick([rootDefault, namespaceDefault, other])).toMatchObject({
      name: "default",
      namespace: "inference",
    });
    expect(pick([rootDefault, other])).toMatchObject({ namespace: "istio-system" });
    expect(pick([other])).toBeUndefined();
  });

  it("flag the pod's own proxy's ceilings in inboundConnectionPool and per ingress listener", () => {
    const findings = sidecarFindings(
      sidecar("llm", "inference", {
        inboundConnectionPool: { http: { http2MaxRequests: 100 } },
        ingress: [{ port: { number: 8000 }, connectionPool: { tcp: { maxConnections: 50 } } }],
      }),
      FLOORS,
    );
    expect(findings.map(brief)).toEqual([
      "warning pool-concurrent-requests Sidecar inference/llm spec.inboundConnectionPool.http.http2MaxRequests 100",
      "warning pool-max-connections Sidecar inference/llm spec.ingress[0].connectionPool.tcp.maxConnections 50",
    ]);
    expect(findings[0]?.why).toBe(
      "beyond 100 requests in flight, the pod's own proxy answers 503 (upstream overflow)",
    );
  });
});
