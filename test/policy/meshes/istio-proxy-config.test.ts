import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load.js";
import { PROXY_CONFIG_LIMITS } from "../../../src/policy/meshes/istio-proxy-config.js";
import { planPod } from "../../../src/policy/planner.js";
import { fixturePod } from "../../fixtures/load.js";
import { told } from "../told.js";

const config = loadConfig();
const target = { namespace: "inference" };

function withProxyConfig(text: string): V1Pod {
  const pod = fixturePod("vllm-deployment");
  pod.metadata!.annotations = { "proxy.istio.io/config": text };
  return pod;
}

function proxyConfigChanges(pod: V1Pod) {
  return planPod(pod, target, config).changes.filter(
    (change) => change.kind === "annotation" && change.key === "proxy.istio.io/config",
  );
}

describe("a proxy.istio.io/config over meshtune's limits", () => {
  // Issue 11: `{"a":` 30,000 times, then 1 and the braces (180 KB) crashed the server.
  const deepObject = '{"a":'.repeat(30_000) + "1" + "}".repeat(30_000);
  const deepList = "[".repeat(100_000) + "1" + "]".repeat(100_000);

  it.each([
    ["an object nested 30,000 deep", deepObject],
    ["a list nested 100,000 deep", deepList],
  ])("is left exactly as it is when it holds %s, with a warning naming the key", (_what, text) => {
    const pod = withProxyConfig(text);
    expect(proxyConfigChanges(pod)).toEqual([]);
    expect(told(planPod(pod, target, config))).toContainEqual(
      expect.stringMatching(
        /^kept proxy\.istio\.io\/config: it is \d+(\.\d)? KiB, over the 2 KiB limit \(Istio refuses the pod if it is invalid\)$/,
      ),
    );
  });

  it("is left as it is, proxyMetadata and all, when it is JSON over 2 KiB", () => {
    const metadata = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`ISTIO_META_X${i}`, "a-value-of-some-length"]),
    );
    const text = JSON.stringify({ proxyMetadata: metadata });
    expect(Buffer.byteLength(text)).toBeGreaterThan(PROXY_CONFIG_LIMITS.maxBytes);
    const pod = withProxyConfig(text);
    expect(proxyConfigChanges(pod)).toEqual([]);
    expect(told(planPod(pod, target, config))).toContainEqual(
      expect.stringMatching(
        /^kept proxy\.istio\.io\/config: it is 2\.\d KiB, over the 2 KiB limit/,
      ),
    );
  });

  it("is left as it is when it nests deeper than the limit within the size limit", () => {
    const text = '{"a":'.repeat(33) + "1" + "}".repeat(33);
    expect(Buffer.byteLength(text)).toBeLessThan(PROXY_CONFIG_LIMITS.maxBytes);
    const pod = withProxyConfig(text);
    expect(proxyConfigChanges(pod)).toEqual([]);
    expect(told(planPod(pod, target, config))).toContain(
      "kept proxy.istio.io/config: it nests over 32 levels deep, the limit (Istio refuses the pod if it is invalid)",
    );
  });

  it("is left as it is when it is YAML nested deeper than the limit", () => {
    const text = Array.from({ length: 40 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " x";
    expect(proxyConfigChanges(withProxyConfig(text))).toEqual([]);
  });

  it("answers the same for the same pod however often it is planned", () => {
    const pod = withProxyConfig(deepObject);
    const first = planPod(pod, target, config);
    expect(planPod(pod, target, config)).toEqual(first);
  });
});

describe("a proxy.istio.io/config within the limits", () => {
  it("is merged into when it is JSON", () => {
    expect(proxyConfigChanges(withProxyConfig('{"terminationDrainDuration":"30s"}'))).toEqual([
      {
        kind: "annotation",
        key: "proxy.istio.io/config",
        value:
          '{"terminationDrainDuration":"30s","concurrency":2,"proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"true"}}',
        replace: true,
      },
    ]);
  });

  it("is read as YAML when it is flow YAML that is not JSON", () => {
    const [change] = proxyConfigChanges(withProxyConfig("{terminationDrainDuration: 30s}"));
    expect(change).toMatchObject({
      value: expect.stringContaining('"terminationDrainDuration":"30s"'),
    });
  });

  it("merges the drain's key into a proxyMetadata the pod wrote in YAML, keeping the pod's keys", () => {
    const text =
      "terminationDrainDuration: 45s\nproxyMetadata:\n  ISTIO_META_DNS_CAPTURE: 'true'\n";
    const [change] = proxyConfigChanges(withProxyConfig(text));
    expect(JSON.parse((change as { value: string }).value)).toEqual({
      terminationDrainDuration: "45s",
      proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true", EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true" },
      concurrency: 2,
    });
  });

  it("reads a proxyMetadata's duplicate keys as go-yaml does: the last one counts", () => {
    const text =
      "proxyMetadata:\n  EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true'\n  EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'false'\n";
    const pod = withProxyConfig(text);
    const [change] = proxyConfigChanges(pod);
    expect(JSON.parse((change as { value: string }).value).proxyMetadata).toEqual({
      EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "false",
    });
    expect(told(planPod(pod, target, config))).toContain(
      'kept proxyMetadata.EXIT_ON_ZERO_ACTIVE_CONNECTIONS="false" in the pod\'s proxy.istio.io/config',
    );
  });

  it("keeps the last of duplicate keys, as Istio's go-yaml does, instead of calling it invalid", () => {
    const [change] = proxyConfigChanges(withProxyConfig("concurrency: 4\nconcurrency: 6\n"));
    expect(JSON.parse((change as { value: string }).value)).toMatchObject({ concurrency: 6 });
  });
});
