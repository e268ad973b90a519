import type {
  KubernetesObject,
  KubernetesObjectApi,
  V1Pod,
  V1PodTemplateSpec,
} from "@kubernetes/client-node";
import { replicaSetPod } from "../../test/e2e/pods.js";
import { fixture } from "../../test/fixtures/load.js";

/** How big the generated cluster is: the 5,000 pods and 500 Services. */
export const SHAPE = { namespaces: 50, workloadsPerNamespace: 10, podsPerWorkload: 10 } as const;

export const TOTALS = {
  pods: SHAPE.namespaces * SHAPE.workloadsPerNamespace * SHAPE.podsPerWorkload,
  services: SHAPE.namespaces * SHAPE.workloadsPerNamespace,
};

const ISTIO_PROXY = "docker.io/istio/proxyv2:1.30.3";
const pad = (n: number) => String(n).padStart(2, "0");

/** The vLLM Deployment fixture's pod template, labelled for workload `name`. */
function template(name: string): V1PodTemplateSpec {
  const deployment = fixture("vllm-deployment") as { spec: { template: V1PodTemplateSpec } };
  const copy = structuredClone(deployment.spec.template);
  copy.metadata = { ...copy.metadata, labels: { app: name } };
  return copy;
}

/** A pod as Istio's injector stores one in classic mode: istio-init, the app, istio-proxy. */
function injectedPod(namespace: string, name: string, hash: string, index: number): V1Pod {
  const pod = replicaSetPod(template(name), { namespace, deployment: name, hash, index });
  pod.metadata!.labels = { ...pod.metadata?.labels, "security.istio.io/tlsMode": "istio" };
  pod.metadata!.annotations = {
    "istio.io/rev": "default",
    "sidecar.istio.io/status": '{"revision":"default"}',
  };
  pod.spec!.initContainers = [{ name: "istio-init", image: ISTIO_PROXY, args: ["istio-iptables"] }];
  pod.spec!.containers.push({
    name: "istio-proxy",
    image: ISTIO_PROXY,
    args: ["proxy", "sidecar"],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
  });
  return pod;
}

function workload(namespace: string, name: string): KubernetesObject[] {
  const hash = "5d8f7c6b9";
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace },
      spec: {
        replicas: SHAPE.podsPerWorkload,
        selector: { matchLabels: { app: name } },
        template: template(name),
      },
    } as KubernetesObject,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace },
      spec: { selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: 8000 }] },
    } as KubernetesObject,
    {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name, namespace },
      spec: { hosts: [name], http: [{ timeout: "15s", route: [{ destination: { host: name } }] }] },
    } as KubernetesObject,
    {
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata: { name, namespace },
      spec: { host: name, trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } } } },
    } as KubernetesObject,
    ...Array.from({ length: SHAPE.podsPerWorkload }, (_, i) =>
      injectedPod(namespace, name, hash, i),
    ),
  ];
}

/** Namespaces first, then everything in them; every workload has a Service, VirtualService and DestinationRule. */
export function population(): { namespaces: KubernetesObject[]; objects: KubernetesObject[] } {
  const names = Array.from({ length: SHAPE.namespaces }, (_, i) => `bench-${pad(i)}`);
  return {
    // Each with the ServiceAccount a controller-manager would add, which pods are given.
    namespaces: names.flatMap((name) => [
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name,
          labels: { "meshtune.dev/enabled": "true", "istio-injection": "enabled" },
        },
      },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: name } },
    ]),
    objects: names.flatMap((namespace) =>
      Array.from({ length: SHAPE.workloadsPerNamespace }, (_, i) =>
        workload(namespace, `llm-${pad(i)}`),
      ).flat(),
    ),
  };
}

/** Creates the objects through the API, `concurrency` requests at a time. */
export async function createAll(
  client: KubernetesObjectApi,
  objects: KubernetesObject[],
  concurrency: number,
  onProgress: (created: number) => void,
): Promise<void> {
  let next = 0;
  let created = 0;
  const worker = async () => {
    while (next < objects.length) {
      const object = objects[next++] as KubernetesObject;
      await client.create(object);
      created += 1;
      if (created % 500 === 0) onProgress(created);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
