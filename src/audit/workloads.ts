import type { V1OwnerReference, V1Pod } from "@kubernetes/client-node";
import { MESH_ADAPTERS } from "../policy/meshes/registry.js";
import type { PodShape } from "../policy/pod.js";
import { labels } from "./fields.js";
import { namespaceOf, type Inventory, type Template } from "./inventory.js";

/** What the audit groups its report by: a workload and the pods it runs. */
export interface Workload {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** What its next pods are made from: its pod template, or a running pod without the mesh's containers. */
  pod: PodShape;
  plannedFrom: "template" | "pod";
  pods: V1Pod[];
}

const workloadKey = (w: { namespace: string; kind: string; name: string }) =>
  `${w.namespace}/${w.kind}/${w.name}`;

interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
}

/** The workload that made a pod: a ReplicaSet named <deployment>-<pod-template-hash> counts as its Deployment. */
function ownerOf(pod: V1Pod): Owner | undefined {
  const references: V1OwnerReference[] = pod.metadata?.ownerReferences ?? [];
  const reference = references.find(({ controller }) => controller) ?? references[0];
  if (reference === undefined) return undefined;
  const hash = labels(pod.metadata?.labels)["pod-template-hash"];
  if (reference.kind === "ReplicaSet" && hash && reference.name.endsWith(`-${hash}`)) {
    return {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: reference.name.slice(0, -hash.length - 1),
    };
  }
  return { apiVersion: reference.apiVersion, kind: reference.kind, name: reference.name };
}

/** The pod as its controller created it: the containers a mesh injector adds are set aside. */
function withoutMeshContainers(pod: V1Pod): PodShape {
  const keep = <T extends { name: string }>(containers: T[] | undefined) =>
    containers?.filter(({ name }) => !MESH_ADAPTERS.some((mesh) => mesh.containers.includes(name)));
  if (pod.spec === undefined) return { metadata: pod.metadata };
  return {
    metadata: pod.metadata,
    spec: {
      ...pod.spec,
      containers: keep(pod.spec.containers) ?? [],
      initContainers: keep(pod.spec.initContainers),
    },
  };
}

function fromTemplate(template: Template): Workload {
  const { apiVersion, kind, namespace, name, pod } = template;
  return { apiVersion, kind, namespace, name, pod, plannedFrom: "template", pods: [] };
}

/** The inventory's workloads: every template, and the owners of pods whose template was not read. */
export function collectWorkloads(inventory: Inventory): Workload[] {
  const workloads = new Map<string, Workload>();
  for (const template of inventory.templates) {
    workloads.set(workloadKey(template), fromTemplate(template));
  }
  for (const pod of inventory.pods) {
    const namespace = namespaceOf(pod);
    const owner = ownerOf(pod) ?? {
      apiVersion: "v1",
      kind: "Pod",
      name: pod.metadata?.name ?? pod.metadata?.generateName ?? "<unnamed>",
    };
    const key = workloadKey({ namespace, ...owner });
    const known = workloads.get(key);
    if (known) known.pods.push(pod);
    else {
      workloads.set(key, {
        ...owner,
        namespace,
        pod: withoutMeshContainers(pod),
        plannedFrom: "pod",
        pods: [pod],
      });
    }
  }
  return [...workloads.values()].sort((a, b) => workloadKey(a).localeCompare(workloadKey(b)));
}

/** The labels the workload's pods carry, which Services and workload selectors match. */
export function podLabels(workload: Workload): Record<string, string> {
  return labels(workload.pod.metadata?.labels);
}
