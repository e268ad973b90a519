import { randomUUID } from "node:crypto";
import type { V1Pod, V1PodTemplateSpec } from "@kubernetes/client-node";
import { fixturePod } from "../fixtures/load.js";
import type { Cluster } from "./cluster.js";

/** The pod a fixture creates, in `namespace`, named `name` when given (else as the fixture names it). */
export function fixtureIn(fixtureName: string, namespace: string, name?: string): V1Pod {
  const pod = fixturePod(fixtureName);
  pod.metadata = { ...pod.metadata, namespace, ...(name === undefined ? {} : { name }) };
  return pod;
}

/** What the apiserver answered to a create: the object it stored (or would), and its warnings. */
export interface Created {
  pod: V1Pod;
  /** kubectl's "Warning: " lines on standard error, without that prefix. */
  warnings: string[];
}

/** kubectl prints each warning the apiserver returned as a "Warning: <text>" line on stderr. */
export function kubectlWarnings(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("Warning: "))
    .map((line) => line.slice("Warning: ".length));
}

/** `kubectl create` of `pod`, with `--dry-run=server` when asked: the pod as the apiserver returned it. */
export async function createPod(
  cluster: Cluster,
  pod: V1Pod,
  options: { dryRun?: boolean } = {},
): Promise<Created> {
  const args = ["create", "-f", "-", "-o", "json"];
  if (options.dryRun) args.push("--dry-run=server");
  const { stdout, stderr } = await cluster.kubectl(args, JSON.stringify(pod));
  return { pod: JSON.parse(stdout) as V1Pod, warnings: kubectlWarnings(stderr) };
}

/** The pod as etcd holds it, read back with `kubectl get`. */
export async function storedPod(cluster: Cluster, namespace: string, name: string): Promise<V1Pod> {
  const { stdout } = await cluster.kubectl(["get", "pod", name, "-n", namespace, "-o", "json"]);
  return JSON.parse(stdout) as V1Pod;
}

/**
 * A pod of Deployment `deployment` as its ReplicaSet `<deployment>-<hash>` creates one: from the
 * template, labelled with the hash, owned by the ReplicaSet. The e2e clusters run no ReplicaSet
 * controller (only the controllers a scenario names), so tests create such pods themselves.
 */
export function replicaSetPod(
  template: V1PodTemplateSpec,
  where: { namespace: string; deployment: string; hash: string; index: number },
): V1Pod {
  const { namespace, deployment, hash, index } = where;
  const copy = structuredClone(template);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...copy.metadata,
      name: `${deployment}-${hash}-${index}`,
      namespace,
      labels: { ...copy.metadata?.labels, "pod-template-hash": hash },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `${deployment}-${hash}`,
          uid: randomUUID(),
          controller: true,
        },
      ],
    },
    spec: copy.spec,
  };
}

/** The pods in `namespace` that match the label selector `selector`, as `kubectl get` lists them. */
export async function podsLabelled(
  cluster: Cluster,
  namespace: string,
  selector: string,
): Promise<V1Pod[]> {
  const { stdout } = await cluster.kubectl([
    "get",
    "pods",
    "-n",
    namespace,
    "-l",
    selector,
    "-o",
    "json",
  ]);
  return (JSON.parse(stdout) as { items: V1Pod[] }).items;
}
