import { isPlainObject } from "../plain-object.js";
import type { PodShape } from "../policy/pod.js";
import type { Manifest } from "./documents.js";

/**
 * What only the cluster knows, in a preview: the Job's UID, and the hash a controller computes
 * of the stored template. Valid label values, so profiles can select on the keys.
 */
export const STAND_IN_UID = "00000000-0000-0000-0000-000000000000";
export const STAND_IN_HASH = "preview";

/** The labels (and annotations) a workload's controller puts on the pods it creates. */
export interface ControllerAdditions {
  controller: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

type Json = Record<string, unknown>;

const object = (value: unknown): Json => (isPlainObject(value) ? value : {});

function nameOf(manifest: Manifest): string {
  const { name, generateName } = object(manifest.metadata);
  return typeof name === "string" ? name : typeof generateName === "string" ? generateName : "";
}

/**
 * A Job's pods. The Job API (pkg/registry/batch/job, generateSelector) adds the four labels to
 * its template unless spec.manualSelector is true; for an Indexed Job the controller adds the
 * completion index (pkg/controller/job, addCompletionIndexLabel); the first pod's is 0.
 */
function jobAdditions(jobName: string, spec: Json): ControllerAdditions {
  const labels: Record<string, string> =
    spec.manualSelector === true
      ? {}
      : {
          "batch.kubernetes.io/controller-uid": STAND_IN_UID,
          "batch.kubernetes.io/job-name": jobName,
          "controller-uid": STAND_IN_UID,
          "job-name": jobName,
        };
  const annotations: Record<string, string> = {};
  if (spec.completionMode === "Indexed") {
    labels["batch.kubernetes.io/job-completion-index"] = "0";
    annotations["batch.kubernetes.io/job-completion-index"] = "0";
  }
  return { controller: "the Job controller", labels, annotations };
}

/**
 * What the controller of `manifest` adds to each pod it creates, as pkg/controller in
 * kubernetes/kubernetes does; undefined for a Pod, a ReplicaSet or a ReplicationController,
 * whose pods carry exactly the template's labels (a ReplicaSet a Deployment made has
 * pod-template-hash in its template already).
 */
export function controllerAdditions(manifest: Manifest): ControllerAdditions | undefined {
  const name = nameOf(manifest);
  const spec = object(manifest.spec);
  switch (manifest.kind) {
    case "Deployment":
      // deployment/sync.go: the new ReplicaSet's template gets the template's hash.
      return {
        controller: "the Deployment controller",
        labels: { "pod-template-hash": STAND_IN_HASH },
        annotations: {},
      };
    case "StatefulSet": {
      // statefulset/stateful_set_utils.go: updateIdentity and setPodRevision; ordinals start at 0.
      const start = Number(object(spec.ordinals).start ?? 0);
      return {
        controller: "the StatefulSet controller",
        labels: {
          "apps.kubernetes.io/pod-index": String(start),
          "controller-revision-hash": `${name}-${STAND_IN_HASH}`,
          "statefulset.kubernetes.io/pod-name": `${name}-${start}`,
        },
        annotations: {},
      };
    }
    case "DaemonSet":
      // daemon/util/daemonset_util.go, CreatePodTemplate; a new DaemonSet's generation is 1.
      return {
        controller: "the DaemonSet controller",
        labels: { "controller-revision-hash": STAND_IN_HASH, "pod-template-generation": "1" },
        annotations: {},
      };
    case "Job":
      return jobAdditions(name, spec);
    case "CronJob":
      // cronjob/utils.go names each Job <cronjob>-<scheduled minute>; its pods get the Job's labels.
      return jobAdditions(`${name}-${STAND_IN_HASH}`, object(object(spec.jobTemplate).spec));
    default:
      return undefined;
  }
}

/** The pod as the controller creates it: the template with what the controller adds. */
export function asCreated(
  template: PodShape,
  additions: ControllerAdditions | undefined,
): PodShape {
  if (additions === undefined) return template;
  const metadata = template.metadata ?? {};
  return {
    ...template,
    metadata: {
      ...metadata,
      labels: { ...additions.labels, ...(metadata.labels ?? {}) },
      annotations: { ...additions.annotations, ...(metadata.annotations ?? {}) },
    },
  };
}
