import type { V1Container, V1EnvVar, V1Pod } from "@kubernetes/client-node";
import { fixturePod } from "../test/fixtures/load.js";

/** Env vars of a realistic shape (name, value) until the pod's JSON reaches about `bytes`. */
function padWithEnv(pod: V1Pod, container: V1Container, bytes: number): V1Pod {
  const env: V1EnvVar[] = (container.env ??= []);
  let size = JSON.stringify(pod).length;
  for (let index = 0; size < bytes; index++) {
    const variable = {
      name: `FEATURE_FLAG_${index}`,
      value: `model-shard-${index % 97}-replica-${index % 7}`,
    };
    env.push(variable);
    size += JSON.stringify(variable).length + 1;
  }
  return pod;
}

/** A single-container vLLM pod of about 5 KB. */
export function smallPod(): V1Pod {
  const pod = fixturePod("vllm-deployment");
  return padWithEnv(pod, pod.spec!.containers[0]!, 5_000);
}

/** A container beside the model server: its own port, a little CPU and memory, no GPU. */
function helper(name: string, port: number): V1Container {
  return {
    name,
    image: `ghcr.io/example/${name}:1.4.2`,
    ports: [{ containerPort: port }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
  };
}

/** A multi-container serving pod (vLLM, a router, a metrics exporter, a log shipper) of about 50 KB. */
export function mediumPod(): V1Pod {
  const pod = fixturePod("vllm-deployment");
  pod.spec!.containers.push(
    helper("router", 8080),
    helper("metrics-exporter", 9400),
    helper("log-shipper", 2020),
  );
  for (const container of pod.spec!.containers) {
    padWithEnv(pod, container, JSON.stringify(pod).length + 11_000);
  }
  return pod;
}

/** A pod with thousands of env vars, about 500 KB. */
export function largePod(): V1Pod {
  const pod = fixturePod("vllm-deployment");
  return padWithEnv(pod, pod.spec!.containers[0]!, 500_000);
}
