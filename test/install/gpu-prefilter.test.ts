import { readdirSync } from "node:fs";
import { isCelError, run, type CelInput } from "@bufbuild/cel";
import type { V1Pod } from "@kubernetes/client-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { gatherEvidence } from "../../src/policy/classify.js";
import { fixturePod } from "../fixtures/load.js";
import { webhook } from "./objects.js";
import { helmTemplate } from "./render.js";

// webhook.gpuPrefilter puts a CEL matchCondition in front of meshtune: the apiserver then sends only
// the pods it passes. It must pass exactly the pods meshtune itself counts as GPU or DRA pods, and
// never fail to evaluate (an error counts as the failurePolicy: with Fail, the pod is refused).

const config = loadConfig();

function prefilter(values: Record<string, unknown> = {}): string {
  const objects = helmTemplate({
    values: { webhook: { gpuPrefilter: { enabled: true } }, ...values },
  });
  const [condition] = webhook(objects).matchConditions ?? [];
  if (condition === undefined) throw new Error("the chart rendered no matchCondition");
  return condition.expression;
}

/** JSON as the apiserver hands it to CEL: objects become maps. */
function celValue(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(celValue);
  if (value !== null && typeof value === "object") {
    return new Map(Object.entries(value).map(([key, item]) => [key, celValue(item)]));
  }
  return value as CelInput;
}

function passes(expression: string, pod: V1Pod): boolean {
  const result = run(expression, { object: celValue(pod) });
  if (isCelError(result))
    throw new Error(`the matchCondition fails to evaluate: ${result.message}`);
  if (typeof result !== "boolean")
    throw new Error(`the matchCondition returned a ${typeof result}, not a boolean`);
  return result;
}

const isGpuPod = (pod: V1Pod, withConfig: Config = config) =>
  gatherEvidence(pod, withConfig).some(
    (evidence) => evidence.signal === "gpu" || evidence.signal === "dra",
  );

const FIXTURES = readdirSync(new URL("../fixtures/", import.meta.url))
  .filter((file) => file.endsWith(".yaml"))
  .map((file) => file.replace(/\.yaml$/, ""));

describe("the GPU prefilter matchCondition", () => {
  const expression = prefilter();

  it.each(FIXTURES)("agrees with meshtune's own GPU and DRA signals on %s", (name) => {
    const pod = fixturePod(name);
    expect(passes(expression, pod)).toBe(isGpuPod(pod));
  });

  it("passes the vLLM pod and keeps the plain web pod away from meshtune", () => {
    expect(passes(expression, fixturePod("vllm-deployment"))).toBe(true);
    expect(passes(expression, fixturePod("web-cpu-pod"))).toBe(false);
  });

  it("agrees with meshtune on any mix of containers, init containers, resources and claims", () => {
    const resourceName = fc.constantFrom(
      "cpu",
      "memory",
      "ephemeral-storage",
      "nvidia.com/gpu",
      "nvidia.com/gpu.shared",
      "nvidia.com/mig-1g.10gb",
      "nvidia.com/gpux",
      "amd.com/gpu",
      "gpu.intel.com/i915",
      "aws.amazon.com/neuroncore",
      "habana.ai/gaudi",
      "google.com/tpu",
      "example.com/fpga",
    );
    // Valid pods only: an extended resource's request equals its limit (the apiserver copies a lone
    // limit into requests before admission); a count of 0 asks for no device.
    const resources = fc
      .dictionary(
        resourceName,
        fc.tuple(fc.constantFrom("0", "1", "2"), fc.constantFrom("requests", "limits", "both")),
        { maxKeys: 3 },
      )
      .map((chosen) => {
        const requests: Record<string, string> = {};
        const limits: Record<string, string> = {};
        for (const [name, [count, where]] of Object.entries(chosen)) {
          if (where !== "limits") requests[name] = count;
          if (where !== "requests") limits[name] = count;
        }
        return { requests, limits };
      });
    const container = fc.record(
      { name: fc.constant("c"), image: fc.constant("registry.example.com/app:1"), resources },
      { requiredKeys: ["name", "image"] },
    );
    const pod = fc.record(
      {
        containers: fc.array(container, { minLength: 1, maxLength: 3 }),
        initContainers: fc.array(container, { maxLength: 2 }),
        resourceClaims: fc.array(
          fc.record({ name: fc.constant("gpu"), resourceClaimName: fc.constant("shared-gpu") }),
          { maxLength: 1 },
        ),
      },
      { requiredKeys: ["containers"] },
    );
    fc.assert(
      fc.property(pod, (spec) => {
        const shaped: V1Pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { namespace: "inference" },
          spec: spec,
        };
        expect(passes(expression, shaped)).toBe(isGpuPod(shaped));
      }),
      { numRuns: 300 },
    );
  });

  it("takes the resources from the config the chart merges, quoting each as a CEL string", () => {
    const names = ["example.com/fpga", "it's\\odd/gpu"];
    const custom = prefilter({ config: { selection: { gpuResources: { names, prefixes: [] } } } });
    const withResource = (resource: string): V1Pod => ({
      apiVersion: "v1",
      kind: "Pod",
      spec: { containers: [{ name: "c", resources: { limits: { [resource]: "1" } } }] },
    });
    expect(passes(custom, withResource("it's\\odd/gpu"))).toBe(true);
    expect(passes(custom, withResource("example.com/fpga"))).toBe(true);
    expect(passes(custom, withResource("nvidia.com/gpu"))).toBe(false);
  });

  it("leaves DRA claims out when the config does not count them", () => {
    const withoutDra = prefilter({ config: { selection: { dra: false } } });
    const pod = fixturePod("dra-pod");
    expect(passes(withoutDra, pod)).toBe(
      isGpuPod(pod, { ...config, selection: { ...config.selection, dra: false } }),
    );
    expect(passes(withoutDra, pod)).toBe(false);
  });
});
