import type { V1Service } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { routeFindings } from "../../src/audit/gateway-routes.js";
import type { Resource } from "../../src/audit/inventory.js";
import { linkerdTimeoutFindings } from "../../src/audit/linkerd-timeouts.js";
import { brief, FLOORS } from "./inventories.js";

const service = (annotations: Record<string, string> = {}): V1Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "llm", namespace: "inference", annotations },
});

const annotated = (annotations: Record<string, string>) =>
  linkerdTimeoutFindings(service(annotations), FLOORS).map(brief);

describe("Linkerd timeout annotations", () => {
  it("flag request, response and idle timeouts below the longest stream", () => {
    expect(
      annotated({
        "timeout.linkerd.io/request": "60s",
        "timeout.linkerd.io/response": "1m",
        "timeout.linkerd.io/idle": "10s",
      }),
    ).toEqual([
      'error linkerd-timeout Service inference/llm metadata.annotations["timeout.linkerd.io/request"] 60s',
      'error linkerd-timeout Service inference/llm metadata.annotations["timeout.linkerd.io/response"] 1m',
      'error linkerd-timeout Service inference/llm metadata.annotations["timeout.linkerd.io/idle"] 10s',
    ]);
  });

  it("fix one by setting it to the longest stream, in a form Linkerd reads", () => {
    const [finding] = linkerdTimeoutFindings(
      service({ "timeout.linkerd.io/request": "60s" }),
      FLOORS,
    );
    expect(finding?.edit).toEqual({
      path: ["metadata", "annotations", "timeout.linkerd.io/request"],
      value: "300s",
    });
    expect(finding?.why).toBe("streams longer than 60 s are cut; Linkerd answers 504");
  });

  it("accept what covers the longest stream, and 0", () => {
    expect(
      annotated({ "timeout.linkerd.io/request": "5m", "timeout.linkerd.io/idle": "0" }),
    ).toEqual([]);
  });

  it("warn about values Linkerd's parser refuses: fractions and missing units", () => {
    expect(
      annotated({ "timeout.linkerd.io/idle": "1.5s", "timeout.linkerd.io/request": "30" }),
    ).toEqual([
      'warning linkerd-unreadable-timeout Service inference/llm metadata.annotations["timeout.linkerd.io/request"] 30',
      'warning linkerd-unreadable-timeout Service inference/llm metadata.annotations["timeout.linkerd.io/idle"] 1.5s',
    ]);
  });
});

function route(kind: string, spec: object, annotations: Record<string, string> = {}): Resource {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind,
    metadata: { name: "r", namespace: "inference", annotations },
    spec,
  };
}

const serviceParent = { parentRefs: [{ name: "llm", kind: "Service", group: "core" }] };
const routes = (...list: Resource[]) => routeFindings(list, service(), FLOORS).map(brief);

describe("HTTPRoute and GRPCRoute timeouts", () => {
  it("flag a rule's request and backendRequest timeouts on a route whose parent is the Service", () => {
    expect(
      routes(
        route("HTTPRoute", {
          ...serviceParent,
          rules: [{ timeouts: { request: "60s", backendRequest: "30s" } }],
        }),
      ),
    ).toEqual([
      "error http-route-timeout HTTPRoute inference/r spec.rules[0].timeouts.request 60s",
      "error http-route-timeout HTTPRoute inference/r spec.rules[0].timeouts.backendRequest 30s",
    ]);
  });

  it("read timeout.linkerd.io annotations on a route whose parent is the Service", () => {
    expect(
      routes(route("GRPCRoute", serviceParent, { "timeout.linkerd.io/request": "20s" })),
    ).toEqual([
      'error linkerd-timeout GRPCRoute inference/r metadata.annotations["timeout.linkerd.io/request"] 20s',
    ]);
  });

  it("check a Gateway's route only in the rules whose backends include the Service", () => {
    const gatewayRoute = route(
      "HTTPRoute",
      {
        parentRefs: [{ name: "public" }],
        rules: [
          { timeouts: { request: "10s" }, backendRefs: [{ name: "web" }] },
          { timeouts: { request: "20s" }, backendRefs: [{ name: "llm", port: 80 }] },
        ],
      },
      { "timeout.linkerd.io/request": "5s" },
    );
    expect(routes(gatewayRoute)).toEqual([
      "error http-route-timeout HTTPRoute inference/r spec.rules[1].timeouts.request 20s",
    ]);
  });

  it("do not take a Gateway named like the Service for the Service", () => {
    expect(
      routes(
        route("HTTPRoute", {
          parentRefs: [{ name: "llm" }],
          rules: [{ timeouts: { request: "1s" } }],
        }),
      ),
    ).toEqual([]);
  });

  it("take 0s as no timeout (GEP-1742)", () => {
    expect(
      routes(route("HTTPRoute", { ...serviceParent, rules: [{ timeouts: { request: "0s" } }] })),
    ).toEqual([]);
  });
});
