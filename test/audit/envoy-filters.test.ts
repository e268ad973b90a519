import { describe, expect, it } from "vitest";
import { envoyFilterFindings, envoyFiltersFor } from "../../src/audit/envoy-filters.js";
import type { Resource } from "../../src/audit/inventory.js";
import { brief, FLOORS } from "./inventories.js";

function filter(name: string, namespace: string, spec: object): Resource {
  return {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name, namespace },
    spec,
  };
}

const patch = (applyTo: string, value: object) => ({
  configPatches: [{ applyTo, patch: { operation: "MERGE", value } }],
});

const findings = (spec: object) =>
  envoyFilterFindings(filter("f", "inference", spec), FLOORS).map(brief);

describe("EnvoyFilters", () => {
  it("apply to the pod from its namespace and the root namespace, when their selector matches or is absent", () => {
    const labels = { app: "llm" };
    const filters = [
      filter("namespace-wide", "inference", {}),
      filter("selected", "inference", { workloadSelector: { labels } }),
      filter("other-pods", "inference", { workloadSelector: { labels: { app: "web" } } }),
      filter("mesh-wide", "istio-system", {}),
      filter("elsewhere", "frontend", {}),
      filter("waypoint", "inference", { targetRefs: [{ kind: "Gateway", name: "waypoint" }] }),
    ];
    expect(
      envoyFiltersFor(filters, "inference", labels, ["istio-system"]).map((f) => f.metadata?.name),
    ).toEqual(["namespace-wide", "selected", "mesh-wide"]);
  });

  it("flag a stream idle timeout below the longest stream, silent prefill being the symptom", () => {
    const [finding] = envoyFilterFindings(
      filter(
        "f",
        "inference",
        patch("NETWORK_FILTER", { typed_config: { stream_idle_timeout: "60s" } }),
      ),
      FLOORS,
    );
    expect(finding).toMatchObject({
      severity: "error",
      code: "envoy-stream-idle-timeout",
      field: "spec.configPatches[0].patch.value.typed_config.stream_idle_timeout",
      why: "streams silent for 60 s are cut (a long prefill sends nothing before the first token); Envoy resets the stream",
      edit: { value: "300s" },
    });
  });

  it("read a route's timeout and idle_timeout, and max_stream_duration in either of its forms", () => {
    expect(
      findings(patch("HTTP_ROUTE", { route: { timeout: "30s", idle_timeout: "45s" } })),
    ).toEqual([
      "error envoy-stream-timeout EnvoyFilter inference/f spec.configPatches[0].patch.value.route.timeout 30s",
      "error envoy-stream-idle-timeout EnvoyFilter inference/f spec.configPatches[0].patch.value.route.idle_timeout 45s",
    ]);
    expect(
      findings(
        patch("HTTP_ROUTE", {
          route: { max_stream_duration: { max_stream_duration: { seconds: 90 } } },
        }),
      ),
    ).toEqual([
      'error envoy-stream-timeout EnvoyFilter inference/f spec.configPatches[0].patch.value.route.max_stream_duration.max_stream_duration {"seconds":90}',
    ]);
  });

  it("count a connection's max duration only on the listener side, where it cuts the streams it carries", () => {
    const value = { common_http_protocol_options: { max_connection_duration: "60s" } };
    expect(findings(patch("NETWORK_FILTER", value))).toHaveLength(1);
    // On a cluster (upstream), Envoy drains the connection and closes it once its streams are done.
    expect(findings(patch("CLUSTER", value))).toEqual([]);
  });

  it("flag a buffer filter's request body limit below the floor", () => {
    expect(
      findings(
        patch("HTTP_FILTER", {
          name: "envoy.filters.http.buffer",
          typed_config: { max_request_bytes: 1048576 },
        }),
      ),
    ).toEqual([
      "warning envoy-request-body-limit EnvoyFilter inference/f spec.configPatches[0].patch.value.typed_config.max_request_bytes 1048576 bytes",
    ]);
  });

  it("stop reading a patch nested deeper than Envoy's configuration goes", () => {
    let value: object = { stream_idle_timeout: "5s" };
    for (let depth = 0; depth < 100_000; depth += 1) value = { nested: value };
    expect(findings(patch("NETWORK_FILTER", value))).toEqual([]);
  });

  it("ignore a timeout that is not a route's, such as an ext_authz call's", () => {
    expect(
      findings(patch("HTTP_FILTER", { typed_config: { http_service: { timeout: "1s" } } })),
    ).toEqual([]);
  });
});
