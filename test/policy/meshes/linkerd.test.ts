import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.js";
import { planPod } from "../../../src/policy/planner.js";
import { fixturePod } from "../../fixtures/load.js";
import { told } from "../told.js";

const target = { namespace: "inference" };
const pinned = parseConfig(`
meshes: [linkerd]
profiles:
  - name: p
    sidecar:
      linkerd: { image: cr.l5d.io/linkerd/proxy, version: edge-25.11.3 }
`);

function annotationsSet(pod: V1Pod): Record<string, string> {
  return Object.fromEntries(
    planPod(pod, target, pinned).changes.flatMap((change) =>
      change.kind === "annotation" ? [[change.key, change.value]] : [],
    ),
  );
}

describe("planning Linkerd", () => {
  it("writes all four proxy sizes", () => {
    expect(annotationsSet(fixturePod("tgi-statefulset"))).toMatchObject({
      "config.linkerd.io/proxy-cpu-request": "200m",
      "config.linkerd.io/proxy-cpu-limit": "1",
      "config.linkerd.io/proxy-memory-request": "128Mi",
      "config.linkerd.io/proxy-memory-limit": "512Mi",
    });
  });

  it("pins the proxy as a repository plus a version", () => {
    expect(annotationsSet(fixturePod("tgi-statefulset"))).toMatchObject({
      "config.linkerd.io/proxy-image": "cr.l5d.io/linkerd/proxy",
      "config.linkerd.io/proxy-version": "edge-25.11.3",
    });
  });

  it("does not pin half an image when the pod set the other half", () => {
    const pod = fixturePod("tgi-statefulset");
    pod.metadata!.annotations = { "config.linkerd.io/proxy-version": "stable-2.14.10" };
    const set = annotationsSet(pod);
    expect(set).not.toHaveProperty(["config.linkerd.io/proxy-image"]);
    expect(told(planPod(pod, target, pinned))).toContain(
      "kept the pod's config.linkerd.io/proxy-version; not pinning the other half of the Linkerd proxy image",
    );
  });

  it("keeps a proxy-cpu-limit the user already set", () => {
    const pod = fixturePod("user-annotated-pod");
    expect(annotationsSet(pod)).not.toHaveProperty(["config.linkerd.io/proxy-cpu-limit"]);
    expect(told(planPod(pod, target, pinned))).toContain(
      'kept config.linkerd.io/proxy-cpu-limit="3" set by the pod (meshtune: "1")',
    );
  });

  it("tells the user Linkerd ignores an invalid quantity the pod carries", () => {
    const pod = fixturePod("tgi-statefulset");
    pod.metadata!.annotations = { "config.linkerd.io/proxy-memory-limit": "lots" };
    expect(told(planPod(pod, target, pinned))).toContain(
      'config.linkerd.io/proxy-memory-limit="lots" is not a quantity; Linkerd ignores it and uses its default',
    );
  });

  it("opts a pod out with linkerd.io/inject: disabled", () => {
    const optOut = parseConfig("meshes: [linkerd]\nprofiles: [{ name: batch, mode: opt-out }]");
    expect(planPod(fixturePod("training-job"), target, optOut).changes).toContainEqual({
      kind: "annotation",
      key: "linkerd.io/inject",
      value: "disabled",
    });
  });

  it("does not tune a pod that disabled Linkerd itself", () => {
    const pod = fixturePod("tgi-statefulset");
    pod.metadata!.annotations = { "linkerd.io/inject": "disabled" };
    expect(Object.keys(annotationsSet(pod))).toEqual(["meshtune.dev/applied"]);
  });

  it("does not tune a pod whose linkerd.io/inject Linkerd would not inject", () => {
    const pod = fixturePod("tgi-statefulset");
    pod.metadata!.annotations = { "linkerd.io/inject": "false" };
    expect(Object.keys(annotationsSet(pod))).toEqual(["meshtune.dev/applied"]);
  });
});
