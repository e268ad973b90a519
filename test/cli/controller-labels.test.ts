import { describe, expect, it } from "vitest";
import {
  asCreated,
  controllerAdditions,
  STAND_IN_HASH,
  STAND_IN_UID,
} from "../../src/cli/controller-labels.js";

const template = { spec: { template: { spec: { containers: [] } } } };

describe("the labels a workload's controller adds to its pods", () => {
  it("for a Deployment: pod-template-hash, from the ReplicaSet it makes", () => {
    expect(
      controllerAdditions({ kind: "Deployment", metadata: { name: "llama" }, ...template }),
    ).toEqual({
      controller: "the Deployment controller",
      labels: { "pod-template-hash": STAND_IN_HASH },
      annotations: {},
    });
  });

  it("for a StatefulSet: the revision, the pod's name and its index, from the first ordinal", () => {
    const statefulSet = {
      kind: "StatefulSet",
      metadata: { name: "tgi" },
      spec: { ordinals: { start: 3 } },
    };
    expect(controllerAdditions(statefulSet)?.labels).toEqual({
      "apps.kubernetes.io/pod-index": "3",
      "controller-revision-hash": `tgi-${STAND_IN_HASH}`,
      "statefulset.kubernetes.io/pod-name": "tgi-3",
    });
  });

  it("for a DaemonSet: the revision and the template generation of a new DaemonSet", () => {
    expect(controllerAdditions({ kind: "DaemonSet", metadata: { name: "d" } })?.labels).toEqual({
      "controller-revision-hash": STAND_IN_HASH,
      "pod-template-generation": "1",
    });
  });

  it("for a Job: its name and uid, under both the batch.kubernetes.io and the legacy keys", () => {
    expect(controllerAdditions({ kind: "Job", metadata: { name: "eval" }, spec: {} })).toEqual({
      controller: "the Job controller",
      labels: {
        "batch.kubernetes.io/controller-uid": STAND_IN_UID,
        "batch.kubernetes.io/job-name": "eval",
        "controller-uid": STAND_IN_UID,
        "job-name": "eval",
      },
      annotations: {},
    });
  });

  it("for an Indexed Job: the completion index too, as a label and an annotation", () => {
    const job = { kind: "Job", metadata: { name: "eval" }, spec: { completionMode: "Indexed" } };
    const additions = controllerAdditions(job)!;
    expect(additions.labels["batch.kubernetes.io/job-completion-index"]).toBe("0");
    expect(additions.annotations).toEqual({ "batch.kubernetes.io/job-completion-index": "0" });
  });

  it("for a Job with a manual selector: none, as the Job API then adds none", () => {
    const job = { kind: "Job", metadata: { name: "eval" }, spec: { manualSelector: true } };
    expect(controllerAdditions(job)?.labels).toEqual({});
  });

  it("for a CronJob: the labels of the Job it makes, named after the CronJob", () => {
    const cronJob = {
      kind: "CronJob",
      metadata: { name: "nightly" },
      spec: { jobTemplate: { spec: {} } },
    };
    expect(controllerAdditions(cronJob)?.labels["job-name"]).toBe(`nightly-${STAND_IN_HASH}`);
  });

  it.each(["Pod", "ReplicaSet", "ReplicationController"])(
    "for a %s: none, its pods carry exactly the template's labels",
    (kind) => {
      expect(controllerAdditions({ kind, metadata: { name: "x" } })).toBeUndefined();
    },
  );

  it("never replace a label the template sets itself", () => {
    const job = { kind: "Job", metadata: { name: "eval" }, spec: {} };
    const pod = asCreated(
      { metadata: { labels: { "job-name": "custom" } } },
      controllerAdditions(job),
    );
    expect(pod.metadata?.labels).toMatchObject({
      "job-name": "custom",
      "batch.kubernetes.io/job-name": "eval",
    });
  });
});
