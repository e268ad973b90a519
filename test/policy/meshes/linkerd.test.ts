import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/schema.js";
import { explain } from "../../../src/policy/decision.js";
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

function annotationsSet(pod: V1Pod, from: Config = pinned): Record<string, string> {
  return Object.fromEntries(
    planPod(pod, target, from).changes.flatMap((change) =>
      change.kind === "annotation" ? [[change.key, change.value]] : [],
    ),
  );
}

function linkerdOnly(profile: string): Config {
  return parseConfig(`meshes: [linkerd]\nprofiles:\n  - ${profile}`);
}

function annotated(annotations: Record<string, string>): V1Pod {
  const pod = fixturePod("tgi-statefulset");
  pod.metadata!.annotations = annotations;
  return pod;
}

const NATIVE = {
  ga: "config.linkerd.io/proxy-enable-native-sidecar",
  beta: "config.beta.linkerd.io/proxy-enable-native-sidecar",
  alpha: "config.alpha.linkerd.io/proxy-enable-native-sidecar",
};
const WAIT = "config.alpha.linkerd.io/proxy-wait-before-exit-seconds";
const GRACE = "config.linkerd.io/shutdown-grace-period";

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

describe("the sidecar mode with Linkerd", () => {
  const native = linkerdOnly("{ name: p, warmup: true, sidecar: { mode: native } }");
  const classic = linkerdOnly("{ name: p, warmup: true, sidecar: { mode: classic } }");
  const meshDefault = linkerdOnly("{ name: p, warmup: true, sidecar: { mode: mesh-default } }");

  it("pins native with the GA, beta and alpha keys, so 2.20, 2.19 and 2.15-2.18 all read it", () => {
    expect(Object.entries(annotationsSet(fixturePod("tgi-statefulset"), native))).toEqual(
      expect.arrayContaining([
        [NATIVE.ga, "true"],
        [NATIVE.beta, "true"],
        [NATIVE.alpha, "true"],
      ]),
    );
  });

  it("writes the keys in their order of precedence, the GA key first", () => {
    const keys = Object.keys(annotationsSet(fixturePod("tgi-statefulset"), native));
    expect(keys.filter((key) => key.endsWith("/proxy-enable-native-sidecar"))).toEqual([
      NATIVE.ga,
      NATIVE.beta,
      NATIVE.alpha,
    ]);
  });

  it("sets proxy-wait-before-exit-seconds to 0 with a native sidecar, so a namespace's value cannot make 2.15-2.19 refuse the pod", () => {
    expect(annotationsSet(fixturePod("tgi-statefulset"), native)).toHaveProperty([WAIT], "0");
  });

  it("pins classic with the three keys false, and waits out the app's preStop pause", () => {
    expect(annotationsSet(fixturePod("tgi-statefulset"), classic)).toMatchObject({
      [NATIVE.ga]: "false",
      [NATIVE.beta]: "false",
      [NATIVE.alpha]: "false",
      [WAIT]: "5",
      [GRACE]: "300s",
    });
  });

  it("writes no mode and no wait before exit for mesh-default: Linkerd 2.15-2.19 refuse it beside a native sidecar", () => {
    const plan = planPod(fixturePod("tgi-statefulset"), target, meshDefault);
    const set = annotationsSet(fixturePod("tgi-statefulset"), meshDefault);
    expect(
      Object.keys(set).filter((key) => key.includes("native-sidecar") || key === WAIT),
    ).toEqual([]);
    expect(set).toHaveProperty([GRACE], "300s");
    expect(explain(plan.decisions)).toContain(
      `Linkerd: no ${WAIT}: the sidecar may be native, and Linkerd 2.15-2.19 refuse a native one with it`,
    );
  });

  it.each([
    [{ [NATIVE.alpha]: "false" }, NATIVE.alpha],
    [{ [NATIVE.beta]: "no" }, NATIVE.beta],
    [{ [NATIVE.ga]: "False", [NATIVE.alpha]: "true" }, NATIVE.ga],
  ])(
    "adds no native-sidecar key when the pod set one that says otherwise (%j): a higher key would override it",
    (annotations, kept) => {
      const pod = annotated(annotations);
      const set = annotationsSet(pod, native);
      expect(Object.keys(set).filter((key) => key.includes("native-sidecar"))).toEqual([]);
      expect(told(planPod(pod, target, native))).toContain(
        `kept the pod's ${kept}=${JSON.stringify(annotations[kept as keyof typeof annotations])}; no other Linkerd native-sidecar key added`,
      );
    },
  );

  it("completes the keys a pod set in agreement, so every release reads the same", () => {
    const set = annotationsSet(annotated({ [NATIVE.ga]: "true" }), native);
    expect(set).toMatchObject({ [NATIVE.beta]: "true", [NATIVE.alpha]: "true" });
    expect(set).not.toHaveProperty([NATIVE.ga]);
  });

  it("makes no native sidecar of a pod that waits before exit, which 2.15-2.19 would refuse", () => {
    const pod = annotated({ [WAIT]: "20" });
    const set = annotationsSet(pod, native);
    expect(Object.keys(set).filter((key) => key.includes("native-sidecar"))).toEqual([]);
    expect(told(planPod(pod, target, native))).toContain(
      "Linkerd: not native: 2.15-2.19 refuse it with the pod's proxy-wait-before-exit-seconds=20",
    );
  });

  it("warns of a pod that made itself native and waits before exit, and adds to neither", () => {
    const pod = annotated({ [NATIVE.alpha]: "true", [WAIT]: "20" });
    const set = annotationsSet(pod, native);
    expect(
      Object.keys(set).filter((key) => key.includes("native-sidecar") || key === WAIT),
    ).toEqual([]);
    expect(told(planPod(pod, target, native))).toContain(
      "Linkerd 2.15-2.19 refuse this pod: a native sidecar and its proxy-wait-before-exit-seconds=20",
    );
  });

  it("says what a native sidecar means, and that proxy-await holds the app", () => {
    expect(told(planPod(fixturePod("tgi-statefulset"), target, native))).toContain(
      "Linkerd: native sidecar: linkerd-proxy starts first, holds the app (proxy-await), stops after it",
    );
  });

  it("promises no hold when the pod turned proxy-await off", () => {
    const pod = annotated({ "config.linkerd.io/proxy-await": "disabled" });
    expect(told(planPod(pod, target, classic))).toContain(
      "Linkerd: classic sidecar: the app may start first; SIGTERM reaches linkerd-proxy with the app",
    );
  });

  it("lets in-flight streams finish: shutdown-grace-period covers the profile's longest stream", () => {
    const longer = linkerdOnly("{ name: p, streams: { longestSeconds: 900 } }");
    expect(annotationsSet(fixturePod("tgi-statefulset"), longer)).toHaveProperty([GRACE], "900s");
  });

  it("tells --explain, not kubectl, that its pod values override the namespace's", () => {
    const plan = planPod(fixturePod("tgi-statefulset"), target, native);
    const line =
      "Linkerd: these pod annotations override the same config.linkerd.io annotations on the namespace";
    expect(explain(plan.decisions)).toContain(line);
    expect(told(plan)).not.toContain(line);
  });
});

describe("pinning Linkerd's proxy-init", () => {
  const withInit = linkerdOnly(
    "{ name: p, sidecar: { linkerd: { image: cr.l5d.io/linkerd/proxy, version: edge-25.10.7, initImage: cr.l5d.io/linkerd/proxy-init, initVersion: v2.4.3 } } }",
  );

  it("pins proxy-init with init-image and init-image-version, which Linkerd 2.19 and older read", () => {
    expect(annotationsSet(fixturePod("tgi-statefulset"), withInit)).toMatchObject({
      "config.linkerd.io/init-image": "cr.l5d.io/linkerd/proxy-init",
      "config.linkerd.io/init-image-version": "v2.4.3",
    });
  });

  it("says 2.20 ignores them, as proxy-init runs from the proxy image there", () => {
    expect(explain(planPod(fixturePod("tgi-statefulset"), target, withInit).decisions)).toContain(
      "Linkerd: config.linkerd.io/init-image pins proxy-init on 2.19 and older; 2.20 runs it from the proxy image",
    );
  });

  it("does not pin half of proxy-init when the pod set the other half", () => {
    const pod = annotated({ "config.linkerd.io/init-image-version": "v2.4.1" });
    expect(annotationsSet(pod, withInit)).not.toHaveProperty(["config.linkerd.io/init-image"]);
  });

  it("refuses a config that pins proxy-init without the proxy, or one half of it", () => {
    expect(() =>
      linkerdOnly(
        "{ name: p, sidecar: { linkerd: { initImage: cr.l5d.io/linkerd/proxy-init, initVersion: v2.4.3 } } }",
      ),
    ).toThrow(/initImage: pins proxy-init alongside a pinned proxy: set image and version too/);
    expect(() =>
      linkerdOnly(
        "{ name: p, sidecar: { linkerd: { image: cr.l5d.io/linkerd/proxy, version: edge-25.10.7, initImage: cr.l5d.io/linkerd/proxy-init } } }",
      ),
    ).toThrow(/initVersion: initImage and initVersion go together/);
  });
});
