import { describe, expect, it } from "vitest";
import { podShapeProblem } from "../../src/admission/pod-shape.js";
import { fixturePod } from "../fixtures/load.js";

type Json = Record<string, unknown>;

/** The vLLM fixture pod with the value at each dotted path replaced (undefined deletes it). */
function vllmWith(changes: Record<string, unknown> = {}): Json {
  const pod = fixturePod("vllm-deployment") as unknown as Json;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split(".");
    const last = keys.pop()!;
    const parent = keys.reduce((node, key) => node[key] as Json, pod);
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }
  return pod;
}

describe("the shape of a pod meshtune reads", () => {
  it("accepts the fixture pod", () => {
    expect(podShapeProblem(vllmWith())).toBeUndefined();
  });

  it("accepts quantities as numbers, as Kubernetes does", () => {
    const pod = vllmWith({ "spec.containers.0.resources": { limits: { "nvidia.com/gpu": 1 } } });
    expect(podShapeProblem(pod)).toBeUndefined();
  });

  it("takes a probe's empty httpGet for none, as a manifest's `httpGet:` reads", () => {
    const pod = vllmWith({ "spec.containers.0.readinessProbe": { httpGet: null } });
    expect(podShapeProblem(pod)).toBeUndefined();
  });

  it("takes null maps and lists for absent ones, as Helm renders them", () => {
    expect(podShapeProblem(vllmWith({ "metadata.annotations": null, "spec.volumes": null }))).toBe(
      undefined,
    );
  });

  it.each([
    [
      { "spec.containers.0.args": ["--port", 8000] },
      "spec.containers[0].args[1] is the number 8000, not a string",
    ],
    [
      { "metadata.annotations": { "sidecar.istio.io/inject": false } },
      'metadata.annotations["sidecar.istio.io/inject"] is the boolean false, not a string',
    ],
    [{ "spec.containers": "vllm" }, 'spec.containers is the string "vllm", not a list'],
    [{ spec: undefined }, "spec is missing"],
    [
      { "spec.containers.0.env": [{ name: "PORT", value: 8000 }] },
      "spec.containers[0].env[0].value is the number 8000, not a string",
    ],
    [
      { "spec.terminationGracePeriodSeconds": "600" },
      'spec.terminationGracePeriodSeconds is the string "600", not a whole number',
    ],
    [{ "spec.restartPolicy": false }, "spec.restartPolicy is the boolean false, not a string"],
    [
      { "spec.containers.0.lifecycle": { preStop: ["sleep", "5"] } },
      "spec.containers[0].lifecycle.preStop is a list, not a mapping",
    ],
    [
      { "spec.containers.0.readinessProbe": { httpGet: { port: 8000, scheme: 5 } } },
      "spec.containers[0].readinessProbe.httpGet.scheme is the number 5, not a string",
    ],
    [
      { "spec.containers.0.livenessProbe": { httpGet: { port: 80.5 } } },
      "spec.containers[0].livenessProbe.httpGet.port is the number 80.5, not a port number or name",
    ],
    [{ "spec.containers.0.ports": [null] }, "spec.containers[0].ports[0] is null, not a mapping"],
    [
      { "spec.containers.0.ports": [{ name: "http", containerPort: "8000" }] },
      'spec.containers[0].ports[0].containerPort is the string "8000", not a whole number',
    ],
  ])("names the first field that is wrong, by its path: %j", (changes, problem) => {
    expect(podShapeProblem(vllmWith(changes))).toBe(problem);
  });

  it("prefixes the path it is given", () => {
    expect(podShapeProblem({ spec: [] }, "spec.template")).toBe(
      "spec.template.spec is a list, not a mapping",
    );
  });
});
