import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { exclusion, gatherEvidence, selectionDecision } from "../../src/policy/classify.js";
import { explain, formatDecision, LINE_WIDTH, type Decision } from "../../src/policy/decision.js";
import { fixturePod } from "../fixtures/load.js";

const config = loadConfig();
const inference = { namespace: "inference" };

/** Each signal found, with the line that explains it. */
function evidence(pod: V1Pod, from = config): { signal: string; reason: string }[] {
  return gatherEvidence(pod, from).map((found) => ({
    signal: found.signal,
    reason: explain([selectionDecision(found)])[0] ?? "",
  }));
}

/** Why the pod is left alone, as the warning says it. */
const why = (decision: Decision | undefined) =>
  decision && formatDecision(decision, { width: LINE_WIDTH, warning: true });

function signals(pod: V1Pod): string[] {
  return gatherEvidence(pod, config).map(({ signal }) => signal);
}

function withResources(
  limits: Record<string, string>,
  where: "containers" | "initContainers" = "containers",
): V1Pod {
  const pod = fixturePod("web-cpu-pod");
  const container = { name: "worker", image: "ghcr.io/example/worker:1.0", resources: { limits } };
  if (where === "containers") pod.spec!.containers.push(container);
  else pod.spec!.initContainers = [container];
  return pod;
}

describe("classifying pods", () => {
  it.each([
    ["nvidia.com/gpu"],
    ["nvidia.com/gpu.shared"],
    ["nvidia.com/mig-1g.5gb"],
    ["nvidia.com/mig-3g.20gb"],
    ["amd.com/gpu"],
    ["gpu.intel.com/i915"],
    ["gpu.intel.com/xe"],
    ["aws.amazon.com/neuron"],
    ["aws.amazon.com/neuroncore"],
    ["habana.ai/gaudi"],
    ["google.com/tpu"],
  ])("sees a GPU pod by its %s resource", (resource) => {
    expect(evidence(withResources({ [resource]: "1" }))).toEqual([
      { signal: "gpu", reason: `selected: container worker requests ${resource}` },
    ]);
  });

  it("sees an accelerator requested by an init container", () => {
    expect(signals(withResources({ "nvidia.com/gpu": "1" }, "initContainers"))).toEqual(["gpu"]);
  });

  it("ignores an accelerator count of zero", () => {
    expect(signals(withResources({ "nvidia.com/gpu": "0" }))).toEqual([]);
  });

  it("does not take similar names for accelerators", () => {
    expect(
      signals(withResources({ "nvidia.com/gpu-memory": "1", "example.com/gpu": "1" })),
    ).toEqual([]);
  });

  it("sees a MIG slice from the fixture", () => {
    expect(evidence(fixturePod("mig-pod"))).toEqual([
      { signal: "gpu", reason: "selected: container embedder requests nvidia.com/mig-1g.5gb" },
    ]);
  });

  it("sees DRA resource claims", () => {
    expect(evidence(fixturePod("dra-pod"))).toEqual([
      { signal: "dra", reason: "selected: it claims DRA devices (gpu)" },
    ]);
  });

  it("sees a configured runtimeClassName", () => {
    expect(signals(fixturePod("triton-deployment"))).toEqual([
      "gpu",
      "runtimeClass",
      "modelServer",
    ]);
  });

  it("sees a KServe predictor by its label and container name", () => {
    expect(evidence(fixturePod("kserve-predictor-pod"))).toEqual([
      { signal: "inferenceLabel", reason: "selected: its labels mark it as an inference workload" },
      { signal: "modelServer", reason: "selected: container kserve-container runs KServe" },
    ]);
  });

  it("sees the meshtune.dev/workload: inference label", () => {
    const pod = fixturePod("web-cpu-pod");
    pod.metadata!.labels = { "meshtune.dev/workload": "inference" };
    expect(signals(pod)).toEqual(["inferenceLabel"]);
  });

  it("finds nothing on a CPU-only web pod", () => {
    expect(gatherEvidence(fixturePod("web-cpu-pod"), config)).toEqual([]);
  });

  it("follows the config's own selection rules", () => {
    const custom = loadConfig();
    custom.selection.gpuResources = { names: ["example.com/fpga"], prefixes: [] };
    custom.selection.modelServers = false;
    expect(
      gatherEvidence(withResources({ "example.com/fpga": "1" }), custom).map(
        ({ signal }) => signal,
      ),
    ).toEqual(["gpu"]);
    expect(gatherEvidence(fixturePod("vllm-deployment"), custom)).toEqual([]);
  });
});

describe("pods meshtune always leaves alone", () => {
  it("excludes kube-system even when the config does not list it", () => {
    const custom = loadConfig();
    custom.excludedNamespaces = [];
    expect(
      why(exclusion(fixturePod("vllm-deployment"), { namespace: "kube-system" }, custom)),
    ).toBe("namespace kube-system is excluded");
  });

  it("excludes its own namespace", () => {
    expect(why(exclusion(fixturePod("vllm-deployment"), { namespace: "meshtune" }, config))).toBe(
      "namespace meshtune is excluded",
    );
  });

  it("excludes meshtune's own namespace, which the target names, whatever the config says", () => {
    const custom = loadConfig();
    custom.excludedNamespaces = [];
    const target = { namespace: "gpu-platform", ownNamespace: "gpu-platform" };
    expect(why(exclusion(fixturePod("vllm-deployment"), target, custom))).toBe(
      "namespace gpu-platform is meshtune's own",
    );
  });

  it("excludes hostNetwork pods, which get no sidecar", () => {
    const pod = fixturePod("vllm-deployment");
    pod.spec!.hostNetwork = true;
    expect(why(exclusion(pod, inference, config))).toBe("hostNetwork pods get no sidecar");
  });

  it.each(["istio-proxy", "linkerd-proxy"])("excludes a pod that already carries %s", (name) => {
    const pod = fixturePod("vllm-deployment");
    pod.spec!.containers.push({ name, image: "example.com/proxy:1" });
    expect(why(exclusion(pod, inference, config))).toBe(
      `the pod already carries the mesh container ${name}`,
    );
  });

  it.each(["istio-init", "linkerd-init"])(
    "excludes a pod that already carries the init container %s",
    (name) => {
      const pod = fixturePod("vllm-deployment");
      pod.spec!.initContainers = [{ name, image: "example.com/proxy:1" }];
      expect(why(exclusion(pod, inference, config))).toBe(
        `the pod already carries the mesh container ${name}`,
      );
    },
  );

  it("does not exclude an ordinary GPU pod", () => {
    expect(why(exclusion(fixturePod("vllm-deployment"), inference, config))).toBeUndefined();
  });
});
