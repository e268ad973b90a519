import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { allFindings, auditFixture, auditOf, configWith, fixtureInventory } from "./inventories.js";

// Each fixture under test/fixtures/audit mirrors a stack as real projects deploy it (the sources
// are named at the top of each file); these are exactly the findings each one seeds.

describe("the audit of each fixture", () => {
  it("vllm-istio: Istio's route and per-try timeouts, and the copied connection-pool ceilings", () => {
    expect(allFindings(auditOf(fixtureInventory("vllm-istio")))).toEqual([
      "error retry-timeout VirtualService inference/mistral-7b spec.http[0].retries.perTryTimeout 10s",
      "error route-timeout VirtualService inference/mistral-7b spec.http[0].timeout 15s",
      "warning pool-concurrent-requests DestinationRule inference/mistral-7b spec.trafficPolicy.connectionPool.http.http2MaxRequests 1024",
      "warning pool-max-connections DestinationRule inference/mistral-7b spec.trafficPolicy.connectionPool.tcp.maxConnections 100",
      "warning pool-pending-requests DestinationRule inference/mistral-7b spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests 1024",
    ]);
  });

  it("tgi-linkerd: Linkerd's Service and HTTPRoute timeouts, an unreadable one, and a proxy two versions behind", () => {
    expect(allFindings(auditOf(fixtureInventory("tgi-linkerd")))).toEqual([
      "error http-route-timeout HTTPRoute chat/zephyr-generate spec.rules[0].timeouts.request 60s",
      'error linkerd-timeout Service chat/zephyr-tgi metadata.annotations["timeout.linkerd.io/response"] 30s',
      "error proxy-version-skew Deployment chat/zephyr-tgi linkerd-proxy image edge-25.4.4 (1 of 1 pods)",
      'warning linkerd-unreadable-timeout Service chat/zephyr-tgi metadata.annotations["timeout.linkerd.io/idle"] 1.5s',
    ]);
  });

  it("triton-grpc-linkerd: a GRPCRoute's timeout annotation", () => {
    expect(allFindings(auditOf(fixtureInventory("triton-grpc-linkerd")))).toEqual([
      'error linkerd-timeout GRPCRoute ranking/triton-infer metadata.annotations["timeout.linkerd.io/request"] 20s',
    ]);
  });

  it("kserve-envoyfilter: Envoy's stream idle and route timeouts, its body limit, and the Sidecar's inbound pool", () => {
    expect(allFindings(auditOf(fixtureInventory("kserve-envoyfilter")))).toEqual([
      "error envoy-stream-idle-timeout EnvoyFilter istio-system/hcm-stream-idle-timeout spec.configPatches[0].patch.value.typed_config.stream_idle_timeout 60s",
      "error envoy-stream-timeout EnvoyFilter models/llama3-limits spec.configPatches[1].patch.value.route.timeout 30s",
      "warning envoy-request-body-limit EnvoyFilter models/llama3-limits spec.configPatches[0].patch.value.typed_config.max_request_bytes 1048576 bytes",
      "warning pool-concurrent-requests Sidecar models/llama3 spec.inboundConnectionPool.http.http2MaxRequests 100",
    ]);
  });

  it("istio-drift: a proxy two minors behind istiod (error) and one a minor behind (info)", () => {
    expect(allFindings(auditOf(fixtureInventory("istio-drift")))).toEqual([
      "error proxy-version-skew Deployment agents/qwen-sglang istio-proxy image 1.28.4 (1 of 2 pods)",
      "info proxy-version-skew Deployment agents/qwen-sglang istio-proxy image 1.29.2 (1 of 2 pods)",
    ]);
  });

  it("pinned proxies outside the control planes' skew, with pinned-config.yaml", () => {
    const config = loadConfig(auditFixture("configs/pinned"));
    expect(allFindings(auditOf(fixtureInventory("istio-drift"), config))).toContain(
      "error pinned-proxy-skew profile /gpu-inference sidecar.istio.image docker.io/istio/proxyv2:1.31.0",
    );
    expect(allFindings(auditOf(fixtureInventory("tgi-linkerd"), config))).toContain(
      "error pinned-proxy-skew profile /gpu-inference sidecar.linkerd.version edge-24.11.8",
    );
  });

  it("clean: everything at or above the floors finds nothing", () => {
    const report = auditOf(fixtureInventory("clean"));
    expect(report.workloads).toHaveLength(1);
    expect(allFindings(report)).toEqual([]);
    expect(report.findings).toEqual({ error: 0, warning: 0, info: 0 });
  });
});

describe("the audit", () => {
  it("reports only the workloads the webhook would select, and counts the others", () => {
    const report = auditOf(fixtureInventory("istio-drift"));
    expect(report.workloads.map(({ kind, name }) => `${kind}/${name}`)).toEqual([
      "Deployment/qwen-sglang",
    ]);
    expect(report.notSelected).toBe(1);
  });

  it("says whether the namespace has opted in, when its labels were read", () => {
    expect(auditOf(fixtureInventory("istio-drift")).workloads[0]?.optedIn).toBe(false);
    expect(auditOf(fixtureInventory("vllm-istio")).workloads[0]?.optedIn).toBeUndefined();
  });

  it("counts a finding two workloads share once", () => {
    const inventory = fixtureInventory("vllm-istio", "kserve-envoyfilter");
    const shared = structuredClone(
      inventory.envoyFilters.find((f) => f.metadata?.namespace === "istio-system")!,
    );
    inventory.envoyFilters = [shared];
    const report = auditOf(inventory);
    expect(
      report.workloads.map(({ findings }) =>
        findings.some((f) => f.object.name === shared.metadata?.name),
      ),
    ).toEqual([true, true]);
    expect(report.findings.error).toBe(
      2 /* vllm-istio's VirtualService */ + 1 /* the shared EnvoyFilter */,
    );
  });

  it("judges each workload by its own profile's floors", () => {
    const config = configWith(`
profiles:
  - name: chat
    streams: { longestSeconds: 10 }
    floors: { maxConnections: 50, http1MaxPendingRequests: 1000, http2MaxRequests: 1000 }
`);
    expect(allFindings(auditOf(fixtureInventory("vllm-istio"), config))).toEqual([]);
  });
});
