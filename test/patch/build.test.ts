import { describe, expect, it } from "vitest";
import { buildPatch } from "../../src/patch/build.js";
import { escapeToken } from "../../src/patch/pointer.js";
import type { Change } from "../../src/policy/change.js";
import { applied } from "../apply-patch.js";
import { fixture, fixturePod } from "../fixtures/load.js";

describe("building the JSON Patch", () => {
  it("escapes ~ before / in keys, as RFC 6901 requires", () => {
    expect(escapeToken("example.com/a~b")).toBe("example.com~1a~0b");
  });

  it("creates the annotations map the pod lacks in one operation that holds every key", () => {
    const pod = fixturePod("web-cpu-pod");
    const changes: Change[] = [
      { kind: "annotation", key: "sidecar.istio.io/proxyCPU", value: "500m" },
      { kind: "annotation", key: "odd~key/x", value: "1" },
    ];
    expect(buildPatch(pod, changes)).toEqual([
      {
        op: "add",
        path: "/metadata/annotations",
        value: { "sidecar.istio.io/proxyCPU": "500m", "odd~key/x": "1" },
      },
    ]);
  });

  it("adds to an existing labels map without replacing it", () => {
    const pod = fixturePod("web-cpu-pod");
    const operations = buildPatch(pod, [
      { kind: "label", key: "sidecar.istio.io/inject", value: "false" },
    ]);
    expect(operations).toEqual([
      { op: "add", path: "/metadata/labels/sidecar.istio.io~1inject", value: "false" },
    ]);
    expect(applied(pod, operations).metadata?.labels).toEqual({
      app: "storefront",
      "sidecar.istio.io/inject": "false",
    });
  });

  it("replaces only the annotation it merges into", () => {
    const pod = fixturePod("user-annotated-pod");
    const operations = buildPatch(pod, [
      { kind: "annotation", key: "proxy.istio.io/config", value: "{}", replace: true },
    ]);
    expect(operations).toEqual([
      { op: "replace", path: "/metadata/annotations/proxy.istio.io~1config", value: "{}" },
    ]);
  });

  it("creates lifecycle in one operation holding a postStart and a preStop", () => {
    const pod = fixturePod("vllm-deployment");
    const operations = buildPatch(pod, [
      { kind: "postStart", container: 0, handler: { exec: { command: ["true"] } } },
      { kind: "preStop", container: 0, handler: { sleep: { seconds: 5 } } },
    ]);
    expect(operations).toEqual([
      {
        op: "add",
        path: "/spec/containers/0/lifecycle",
        value: { postStart: { exec: { command: ["true"] } }, preStop: { sleep: { seconds: 5 } } },
      },
    ]);
    expect(applied(pod, operations).spec!.containers[0]!.lifecycle).toEqual({
      postStart: { exec: { command: ["true"] } },
      preStop: { sleep: { seconds: 5 } },
    });
  });

  it("replaces the grace period the pod has, and adds one where it has none", () => {
    const pod = fixturePod("web-cpu-pod");
    const change: Change = { kind: "terminationGracePeriodSeconds", value: 320 };
    expect(buildPatch(pod, [change])).toEqual([
      { op: "add", path: "/spec/terminationGracePeriodSeconds", value: 320 },
    ]);
    pod.spec!.terminationGracePeriodSeconds = 30;
    expect(buildPatch(pod, [change])).toEqual([
      { op: "replace", path: "/spec/terminationGracePeriodSeconds", value: 320 },
    ]);
  });

  it("creates template metadata under a workload's base path", () => {
    const deployment = fixture("triton-deployment") as { spec: { template: object } };
    deployment.spec.template = { spec: (deployment.spec.template as { spec: object }).spec };
    const operations = buildPatch(
      deployment.spec.template,
      [{ kind: "annotation", key: "a", value: "b" }],
      "/spec/template",
    );
    expect(operations).toEqual([
      { op: "add", path: "/spec/template/metadata", value: { annotations: { a: "b" } } },
    ]);
    expect(applied(deployment, operations)).toMatchObject({
      spec: { template: { metadata: { annotations: { a: "b" } } } },
    });
  });

  it("adds volumes, mounts, a postStart hook and a startupProbe without replacing what the pod has", () => {
    const pod = fixturePod("vllm-deployment");
    pod.spec!.containers[0]!.lifecycle = { preStop: { exec: { command: ["sleep", "5"] } } };
    const changes: Change[] = [
      { kind: "volume", volume: { name: "extra", emptyDir: {} } },
      { kind: "volume", volume: { name: "extra2", emptyDir: {} } },
      { kind: "volumeMount", container: 0, mount: { name: "extra", mountPath: "/x" } },
      { kind: "postStart", container: 0, handler: { exec: { command: ["true"] } } },
      { kind: "startupProbe", container: 0, probe: { exec: { command: ["true"] } } },
    ];
    const patched = applied(pod, buildPatch(pod, changes));
    const container = patched.spec!.containers[0]!;
    expect(patched.spec!.volumes!.map((volume) => volume.name)).toEqual([
      "cache",
      "shm",
      "extra",
      "extra2",
    ]);
    expect(container.volumeMounts!.map((mount) => mount.name)).toEqual(["cache", "shm", "extra"]);
    expect(container.lifecycle).toEqual({
      preStop: { exec: { command: ["sleep", "5"] } },
      postStart: { exec: { command: ["true"] } },
    });
    expect(container.startupProbe).toEqual({ exec: { command: ["true"] } });
  });

  it("creates the volume and mount lists the pod lacks, each in one operation", () => {
    const pod = fixturePod("triton-deployment");
    const operations = buildPatch(pod, [
      { kind: "volume", volume: { name: "a", emptyDir: {} } },
      { kind: "volume", volume: { name: "b", emptyDir: {} } },
      { kind: "volumeMount", container: 0, mount: { name: "a", mountPath: "/a" } },
    ]);
    expect(operations.map(({ op, path }) => `${op} ${path}`)).toEqual([
      "add /spec/volumes",
      "add /spec/containers/0/volumeMounts",
    ]);
    expect(applied(pod, operations).spec!.volumes).toHaveLength(2);
  });
});
