import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import type { V1Namespace, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePod } from "../fixtures/load.js";
import { kubeApiserverBinary } from "./binaries.js";
import { startCluster, type Cluster } from "./cluster.js";

const NAMESPACE = "inference";

function vllmPod(name: string): V1Pod {
  const pod = fixturePod("vllm-deployment");
  return { ...pod, metadata: { ...pod.metadata, name, namespace: NAMESPACE } };
}

function portAcceptsConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("the e2e cluster: a real kube-apiserver and etcd on loopback", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("serves the Kubernetes version it was built from", async () => {
    const { stdout } = await cluster.kubectl(["version", "-o", "json"]);
    const versions = JSON.parse(stdout) as {
      serverVersion: { gitVersion: string; goVersion: string };
    };
    const built = execFileSync(kubeApiserverBinary(), ["--version"], { encoding: "utf8" });
    expect(built.trim()).toBe(`Kubernetes ${versions.serverVersion.gitVersion}`);
    expect(versions.serverVersion.goVersion).toMatch(/^go1\./);
  });

  it("creates a namespace and a vLLM pod and reads back what it stored", async () => {
    await cluster.createNamespace(NAMESPACE);
    const namespace = JSON.parse(
      (await cluster.kubectl(["get", "namespace", NAMESPACE, "-o", "json"])).stdout,
    ) as V1Namespace;
    expect(namespace.status?.phase).toBe("Active");

    await cluster.kubectl(["create", "-f", "-"], JSON.stringify(vllmPod("llama-3-8b-smoke")));
    const { stdout } = await cluster.kubectl([
      "get",
      "pod",
      "llama-3-8b-smoke",
      "-n",
      NAMESPACE,
      "-o",
      "json",
    ]);
    const stored = JSON.parse(stdout) as V1Pod;

    expect(stored.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(stored.status?.phase).toBe("Pending");
    const vllm = stored.spec?.containers[0];
    expect(vllm?.image).toBe("vllm/vllm-openai:v0.11.0");
    expect(vllm?.resources?.limits?.["nvidia.com/gpu"]).toBe("1");
    // Defaults only the apiserver fills in: proof the pod went through its real admission chain.
    expect(vllm?.terminationMessagePath).toBe("/dev/termination-log");
    expect(stored.spec?.tolerations?.map((toleration) => toleration.key)).toContain(
      "node.kubernetes.io/not-ready",
    );
  });

  it("stores a native sidecar: an init container with restartPolicy Always, as the meshes inject it", async () => {
    const pod = vllmPod("llama-3-8b-native-sidecar");
    pod.spec!.initContainers = [
      { name: "proxy", image: "docker.io/istio/proxyv2:1.30.3", restartPolicy: "Always" },
    ];
    await cluster.kubectl(["create", "-f", "-"], JSON.stringify(pod));
    const { stdout } = await cluster.kubectl([
      "get",
      "pod",
      "llama-3-8b-native-sidecar",
      "-n",
      NAMESPACE,
      "-o",
      "json",
    ]);
    expect((JSON.parse(stdout) as V1Pod).spec?.initContainers?.[0]?.restartPolicy).toBe("Always");
  });

  it("refuses a pod whose GPU request differs from its limit, as the apiserver's validation does", async () => {
    const pod = vllmPod("llama-3-8b-invalid");
    pod.spec!.containers[0]!.resources!.requests!["nvidia.com/gpu"] = "2";
    await expect(cluster.kubectl(["create", "-f", "-"], JSON.stringify(pod))).rejects.toThrow(
      /must be equal to nvidia.com\/gpu limit/,
    );
  });

  it("stops both servers and removes its directory unless asked to keep it", async () => {
    await cluster.stop();
    expect(existsSync(cluster.dir)).toBe(process.env.MESHTUNE_E2E_KEEP === "1");
    expect(await portAcceptsConnections(cluster.server)).toBe(false);
  });
});
