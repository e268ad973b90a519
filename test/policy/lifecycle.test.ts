import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/load.js";
import { explain } from "../../src/policy/decision.js";
import { planPod } from "../../src/policy/planner.js";
import { fixturePod } from "../fixtures/load.js";
import { told } from "./told.js";

const config = loadConfig();
const target = { namespace: "inference" };

function annotationsSet(fixture: string, from = config): Record<string, string> {
  return Object.fromEntries(
    planPod(fixturePod(fixture), target, from).changes.flatMap((change) =>
      change.kind === "annotation" ? [[change.key, change.value]] : [],
    ),
  );
}

const kinds = (fixture: string, from = config) =>
  planPod(fixturePod(fixture), target, from).changes.map(({ kind }) => kind);

describe("the sidecar mode of the shipped config", () => {
  it("is native for a serving pod", () => {
    expect(annotationsSet("vllm-deployment")).toMatchObject({
      "sidecar.istio.io/nativeSidecar": "true",
      "config.linkerd.io/proxy-enable-native-sidecar": "true",
    });
  });

  it("is native for a batch pod whatever the profile's mode, so the pod can complete", () => {
    const classic = parseConfig("profiles: [{ name: p, sidecar: { mode: classic } }]");
    expect(annotationsSet("gpu-job-pod", classic)).toMatchObject({
      "sidecar.istio.io/nativeSidecar": "true",
      "config.alpha.linkerd.io/proxy-enable-native-sidecar": "true",
    });
    expect(told(planPod(fixturePod("gpu-job-pod"), target, classic))).toContain(
      "batch pod (batch.kubernetes.io/job-name=nightly-batch-inference): native sidecars, no warmup, no drain",
    );
  });

  it("gives a batch pod no warmup, no drain, no preStop pause and no longer grace period", () => {
    expect(kinds("gpu-job-pod")).not.toEqual(
      expect.arrayContaining([
        expect.stringMatching(/postStart|startupProbe|preStop|terminationGracePeriodSeconds/),
      ]),
    );
    expect(JSON.parse(annotationsSet("gpu-job-pod")["proxy.istio.io/config"]!)).toEqual({
      concurrency: 2,
    });
    expect(annotationsSet("gpu-job-pod")).not.toHaveProperty([
      "config.linkerd.io/shutdown-grace-period",
    ]);
  });
});

describe("a cluster without native sidecars (lifecycle.nativeSidecars: false)", () => {
  const old = parseConfig(
    "lifecycle: { nativeSidecars: false }\nprofiles: [{ name: p, warmup: true }]",
  );

  it("gets classic sidecars, held for the warmup, with the one switch", () => {
    const set = annotationsSet("vllm-deployment", old);
    expect(set).toMatchObject({
      "sidecar.istio.io/nativeSidecar": "false",
      "config.linkerd.io/proxy-enable-native-sidecar": "false",
    });
    expect(JSON.parse(set["proxy.istio.io/config"]!)).toMatchObject({
      holdApplicationUntilProxyStarts: true,
    });
    expect(explain(planPod(fixturePod("vllm-deployment"), target, old).decisions)).toContain(
      "sidecar.mode native, but lifecycle.nativeSidecars is false: classic sidecars",
    );
  });

  it("warns that a batch pod's classic sidecar keeps it from completing", () => {
    expect(told(planPod(fixturePod("gpu-job-pod"), target, old))).toContain(
      "batch pod (batch.kubernetes.io/job-name=nightly-batch-inference): with nativeSidecars off, its sidecar keeps it running",
    );
  });
});
