import type { PodShape } from "./pod.js";

/** Why a pod counts as a batch pod: the field or label that says so, and whose it is. */
export interface BatchReason {
  /** `restartPolicy`, or the label. */
  key: string;
  /** The value found. */
  value: string;
  /** What made the pod, in a sentence: "a Kubernetes Job". */
  maker: string;
}

/** A label a batch or training controller puts on every pod it creates. */
interface OperatorLabel {
  key: string;
  maker: string;
  /** Only these values count; any value does when unset. */
  values?: readonly string[];
  /** A label that, present too, marks a pod of the same maker that serves instead. */
  unless?: string;
}

// Each key as the project's own source writes it on the pods it creates.
const OPERATOR_LABELS: readonly OperatorLabel[] = [
  // kubernetes pkg/registry/batch/job/strategy.go generateSelector: the apiserver adds it to
  // every Job's pod template (v1.27+).
  { key: "batch.kubernetes.io/job-name", maker: "a Kubernetes Job" },
  // kubeflow/training-operator v1.9.0 pkg/controller.v1/common/job_controller.go GenLabels
  // (PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JAXJob; the MPI operator too).
  { key: "training.kubeflow.org/job-name", maker: "a Kubeflow training job" },
  // kubernetes-sigs/jobset v0.12.0 pkg/controllers/jobset_controller.go labelAndAnnotateObject;
  // Kubeflow Trainer v2 runs every TrainJob as a JobSet.
  { key: "jobset.sigs.k8s.io/jobset-name", maker: "a JobSet (Kubeflow Trainer)" },
  // ray-project/kuberay v1.7.0 ray-operator/controllers/ray/common/pod.go labelPod; BuildPod
  // adds ray.io/serve only to the pods of a RayService, which serve.
  { key: "ray.io/node-type", maker: "a KubeRay cluster", unless: "ray.io/serve" },
  { key: "meshtune.dev/workload", maker: "by its own label", values: ["training", "batch"] },
];

const RUN_TO_COMPLETION = ["Never", "OnFailure"];

/**
 * Why the pod is a batch pod (it runs to completion, or a batch or training controller made it),
 * or undefined for a pod that serves. A classic sidecar keeps such a pod from completing.
 */
export function batchReason(pod: PodShape): BatchReason | undefined {
  // The controller first: it says more than the restartPolicy it sets.
  const labels = pod.metadata?.labels ?? {};
  for (const { key, maker, values, unless } of OPERATOR_LABELS) {
    const value = labels[key];
    if (value === undefined || (values !== undefined && !values.includes(value))) continue;
    if (unless !== undefined && labels[unless] !== undefined) continue;
    return { key, value, maker };
  }
  const restartPolicy = pod.spec?.restartPolicy;
  if (restartPolicy !== undefined && RUN_TO_COMPLETION.includes(restartPolicy)) {
    return { key: "restartPolicy", value: restartPolicy, maker: "it runs to completion" };
  }
  return undefined;
}
