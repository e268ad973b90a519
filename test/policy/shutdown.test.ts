import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/load.js";
import { mutatePod } from "../../src/engine.js";
import { planPod } from "../../src/policy/planner.js";
import { applied } from "../apply-patch.js";
import { fixturePod } from "../fixtures/load.js";
import { told } from "./told.js";

const config = loadConfig();
const target = { namespace: "inference" };

function vllm(change: (pod: V1Pod) => void = () => {}): V1Pod {
  const pod = fixturePod("vllm-deployment");
  change(pod);
  return pod;
}

const apply = (pod: V1Pod, from = config) => applied(pod, mutatePod(pod, target, from).patch);

describe("the preStop pause", () => {
  it("pauses the model server with the Kubernetes sleep action before SIGTERM", () => {
    expect(apply(vllm()).spec!.containers[0]!.lifecycle!.preStop).toEqual({
      sleep: { seconds: 5 },
    });
    expect(told(planPod(vllm(), target, config))).toContain(
      'set preStop on container "vllm": sleep 5s, so endpoints drop the pod before SIGTERM',
    );
  });

  it("runs sleep in the container with preStopAction exec, for clusters before 1.30", () => {
    const exec = parseConfig(
      "lifecycle: { preStopAction: exec, preStopSeconds: 8 }\nprofiles: [{ name: p }]",
    );
    expect(apply(vllm(), exec).spec!.containers[0]!.lifecycle!.preStop).toEqual({
      exec: { command: ["sleep", "8"] },
    });
  });

  it("never replaces a preStop the container has", () => {
    const theirs = { httpGet: { path: "/drain", port: 8000 } };
    const pod = vllm((p) => (p.spec!.containers[0]!.lifecycle = { preStop: theirs }));
    expect(apply(pod).spec!.containers[0]!.lifecycle!.preStop).toEqual(theirs);
    expect(told(planPod(pod, target, config))).toContain(
      'kept the preStop hook of container "vllm"; no pause added',
    );
  });

  it("pauses a container whose preStop is null, as a manifest's empty `preStop:` reads", () => {
    const pod = vllm(
      (p) => (p.spec!.containers[0]!.lifecycle = { preStop: null as unknown as undefined }),
    );
    expect(apply(pod).spec!.containers[0]!.lifecycle!.preStop).toEqual({ sleep: { seconds: 5 } });
  });

  it("adds no pause with preStopSeconds 0, and none to a container that serves no model", () => {
    const none = parseConfig("lifecycle: { preStopSeconds: 0 }\nprofiles: [{ name: p }]");
    expect(apply(vllm(), none).spec!.containers[0]!.lifecycle?.preStop).toBeUndefined();
    const mig = apply(fixturePod("mig-pod"));
    expect(mig.spec!.containers[0]!.lifecycle?.preStop).toBeUndefined();
  });
});

describe("the grace period", () => {
  it("raises the default 30 to cover the pause, the longest stream and a margin", () => {
    const pod = vllm((p) => (p.spec!.terminationGracePeriodSeconds = 30));
    const { patch, plan } = mutatePod(pod, target, config);
    expect(patch).toContainEqual({
      op: "replace",
      path: "/spec/terminationGracePeriodSeconds",
      value: 320,
    });
    expect(told(plan)).toContain(
      "set terminationGracePeriodSeconds=320 (was 30): a 5s pause, 300s streams and a 15s margin",
    );
  });

  it("adds it to a pod template that has none, which the apiserver would default to 30", () => {
    expect(mutatePod(vllm(), target, config, "/spec/template").patch).toContainEqual({
      op: "add",
      path: "/spec/template/spec/terminationGracePeriodSeconds",
      value: 320,
    });
  });

  it("follows the profile's longest stream", () => {
    const long = parseConfig("profiles: [{ name: p, streams: { longestSeconds: 1800 } }]");
    expect(apply(vllm(), long).spec!.terminationGracePeriodSeconds).toBe(1820);
  });

  it("keeps a grace period the pod chose, and says which streams it cuts", () => {
    const pod = vllm((p) => (p.spec!.terminationGracePeriodSeconds = 60));
    expect(apply(pod).spec!.terminationGracePeriodSeconds).toBe(60);
    expect(told(planPod(pod, target, config))).toContain(
      "kept terminationGracePeriodSeconds=60: streams longer than about 55s are cut at shutdown (meshtune: 320)",
    );
  });

  it("says nothing to kubectl about a grace period that already covers the streams", () => {
    const pod = vllm((p) => (p.spec!.terminationGracePeriodSeconds = 600));
    const plan = planPod(pod, target, config);
    expect(plan.changes.some(({ kind }) => kind === "terminationGracePeriodSeconds")).toBe(false);
    expect(told(plan).join("\n")).not.toContain("terminationGracePeriodSeconds");
  });

  it("stays at 30 with raiseGracePeriod: false, with a warning", () => {
    const keep = parseConfig("lifecycle: { raiseGracePeriod: false }\nprofiles: [{ name: p }]");
    const pod = vllm((p) => (p.spec!.terminationGracePeriodSeconds = 30));
    expect(apply(pod, keep).spec!.terminationGracePeriodSeconds).toBe(30);
    expect(told(planPod(pod, target, keep))).toContain(
      "terminationGracePeriodSeconds stays 30 (raiseGracePeriod: false): streams over about 25s are cut",
    );
  });

  it("changes nothing on a second run", () => {
    const once = apply(vllm((p) => (p.spec!.terminationGracePeriodSeconds = 30)));
    expect(mutatePod(once, target, config).patch).toEqual([]);
  });
});
