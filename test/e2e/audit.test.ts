import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { KubernetesObject, V1Deployment, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { AuditReport } from "../../src/audit/audit.js";
import { brief } from "../audit/inventories.js";
import { AUDITOR, readOnlyKubeconfig } from "./auditor.js";
import { childEnv, startCluster, type Cluster, type KubectlError } from "./cluster.js";
import { applyCrds } from "./crds.js";
import { gatewayApiCrds } from "./gateway-api.js";
import { istioManifest, ISTIO_NAMESPACE, startIstio, type IstioInjector } from "./istio.js";
import { replicaSetPod } from "./pods.js";

// The audit against a real kube-apiserver with Istio's CRDs and injector and Gateway API's CRDs:
// the stacks of test/fixtures/audit are created as users create them (kubectl apply; pods through
// Istio's injector), and the audit runs as a user bound to nothing but README's ClusterRole.

const ISTIO_RELEASE = ["hub=docker.io/istio", "tag=1.30.3"];
// The compiled CLI lives outside the tree, so it is given the shipped config by path.
const SHIPPED_CONFIG_PATH = "config/meshtune.yaml";
const OLD_PROXY = "docker.io/istio/proxyv2:1.28.4";

let cluster: Cluster;
let istio: IstioInjector | undefined;
let kubeconfig: string;
let beforeMesh: Audit;

interface Audit {
  code: number | null;
  stdout: string;
  stderr: string;
}

type AuditJson = AuditReport & { read: Record<string, { objects: number; pages: number }> };

/** `meshtune audit` as users run it, under the read-only user. */
function meshtuneAudit(args: string[]): Promise<Audit> {
  const cli = join(inject("meshtuneBuild"), "cli", "main.js");
  const child = spawn(
    process.execPath,
    [cli, "audit", "--kubeconfig", kubeconfig, "--config", SHIPPED_CONFIG_PATH, ...args],
    {
      env: childEnv(),
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function auditJson(args: string[]): Promise<AuditJson> {
  const { stdout, stderr } = await meshtuneAudit([...args, "-o", "json"]);
  if (stdout === "") throw new Error(`meshtune audit printed nothing: ${stderr}`);
  return JSON.parse(stdout) as AuditJson;
}

const findingsOf = (report: AuditReport) =>
  [...new Set(report.workloads.flatMap(({ findings }) => findings.map(brief)))].sort();

function fixtureObjects(name: string): KubernetesObject[] {
  const text = readFileSync(`test/fixtures/audit/${name}.yaml`, "utf8");
  return parseAllDocuments(text).map((document) => document.toJS() as KubernetesObject);
}

const apply = (objects: KubernetesObject[], args: string[] = []) =>
  cluster.kubectl(
    ["apply", ...args, "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
  );

function podOf(deployment: V1Deployment, hash: string, index: number): V1Pod {
  return replicaSetPod(deployment.spec!.template, {
    namespace: deployment.metadata?.namespace ?? "default",
    deployment: deployment.metadata?.name ?? "",
    hash,
    index,
  });
}

const ofKind = (objects: KubernetesObject[], kind: string) =>
  objects.filter((o) => o.kind === kind);

async function seed(): Promise<void> {
  // inference: vLLM behind Istio; its pods get istio-proxy from Istio's injector.
  const vllm = fixtureObjects("vllm-istio");
  await apply(vllm);
  const [vllmDeployment] = ofKind(vllm, "Deployment") as V1Deployment[];
  await apply([podOf(vllmDeployment!, "5d8f7c6b9", 0), podOf(vllmDeployment!, "5d8f7c6b9", 1)]);
  // chat and ranking: TGI and Triton behind Linkerd, with linkerd-config and a pod of an older proxy.
  await apply(fixtureObjects("tgi-linkerd"));
  await apply(fixtureObjects("triton-grpc-linkerd"));
  // models: a KServe predictor with EnvoyFilters (one in istio-system) and a Sidecar.
  await apply(fixtureObjects("kserve-envoyfilter"));
  // agents: SGLang whose pod template pins an old proxy, which Istio's injector then runs.
  const sglang = fixtureObjects("istio-drift").find(
    (o) => o.kind === "Deployment" && o.metadata?.name === "qwen-sglang",
  ) as V1Deployment;
  sglang.spec!.template.metadata!.annotations = { "sidecar.istio.io/proxyImage": OLD_PROXY };
  await apply([sglang]);
  await apply([podOf(sglang, "7b8c6d5f4", 0)]);
}

beforeAll(async () => {
  cluster = await startCluster();
  kubeconfig = await readOnlyKubeconfig(cluster);
  beforeMesh = await meshtuneAudit(["-A"]);

  istio = await startIstio(cluster, { set: ISTIO_RELEASE });
  const istiod = istioManifest(ISTIO_RELEASE).filter(
    (o) => o.kind === "Deployment" && o.metadata?.name === "istiod",
  );
  await apply(istiod);
  await applyCrds(cluster, gatewayApiCrds(["httproutes", "grpcroutes"]).crds);
  for (const [name, labels] of [
    ["inference", { "istio-injection": "enabled", "meshtune.dev/enabled": "true" }],
    ["agents", { "istio-injection": "enabled" }],
    ["chat", {}],
    ["ranking", {}],
    ["models", {}],
    ["linkerd", {}],
  ] as const) {
    await cluster.createNamespace(name, labels);
  }
  await seed();
}, 300_000);

afterAll(async () => {
  await istio?.stop();
  await cluster?.stop();
});

const SEEDED = [
  "error envoy-stream-idle-timeout EnvoyFilter istio-system/hcm-stream-idle-timeout spec.configPatches[0].patch.value.typed_config.stream_idle_timeout 60s",
  "error envoy-stream-timeout EnvoyFilter models/llama3-limits spec.configPatches[1].patch.value.route.timeout 30s",
  "error http-route-timeout HTTPRoute chat/zephyr-generate spec.rules[0].timeouts.request 60s",
  'error linkerd-timeout GRPCRoute ranking/triton-infer metadata.annotations["timeout.linkerd.io/request"] 20s',
  'error linkerd-timeout Service chat/zephyr-tgi metadata.annotations["timeout.linkerd.io/response"] 30s',
  "error proxy-version-skew Deployment agents/qwen-sglang istio-proxy image 1.28.4 (1 of 1 pods)",
  "error proxy-version-skew Deployment chat/zephyr-tgi linkerd-proxy image edge-25.4.4 (1 of 1 pods)",
  "error retry-timeout VirtualService inference/mistral-7b spec.http[0].retries.perTryTimeout 10s",
  "error route-timeout VirtualService inference/mistral-7b spec.http[0].timeout 15s",
  "warning envoy-request-body-limit EnvoyFilter models/llama3-limits spec.configPatches[0].patch.value.typed_config.max_request_bytes 1048576 bytes",
  'warning linkerd-unreadable-timeout Service chat/zephyr-tgi metadata.annotations["timeout.linkerd.io/idle"] 1.5s',
  "warning pool-concurrent-requests DestinationRule inference/mistral-7b spec.trafficPolicy.connectionPool.http.http2MaxRequests 1024",
  "warning pool-concurrent-requests Sidecar models/llama3 spec.inboundConnectionPool.http.http2MaxRequests 100",
  "warning pool-max-connections DestinationRule inference/mistral-7b spec.trafficPolicy.connectionPool.tcp.maxConnections 100",
  "warning pool-pending-requests DestinationRule inference/mistral-7b spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests 1024",
];

describe("meshtune audit of a cluster without Istio's or Gateway API's CRDs", () => {
  it("skips each kind the cluster lacks with a note, and exits 0", () => {
    expect(beforeMesh.code, beforeMesh.stderr).toBe(0);
    for (const kind of [
      "virtualservices.networking.istio.io/v1",
      "envoyfilters.networking.istio.io/v1alpha3",
      "httproutes.gateway.networking.k8s.io/v1",
      "httproutes.policy.linkerd.io/v1beta3",
    ]) {
      expect(beforeMesh.stdout).toContain(`note: ${kind} is not served by this cluster: skipped\n`);
    }
  });
});

describe("meshtune audit of the seeded cluster, as a user with only README's ClusterRole", () => {
  let report: AuditJson;

  beforeAll(async () => {
    report = await auditJson(["-A"]);
  });

  it("finds exactly what was seeded", () => {
    expect(findingsOf(report)).toEqual(SEEDED);
  });

  it("reads istiod's version from its Deployment and Linkerd's from linkerd-config", () => {
    expect(report.controlPlanes.istio).toEqual([
      {
        namespace: ISTIO_NAMESPACE,
        name: "istiod",
        revision: "default",
        image: "docker.io/istio/pilot:1.30.3",
        version: { minor: 30, text: "1.30.3" },
      },
    ]);
    expect(report.controlPlanes.linkerd).toEqual({
      namespace: "linkerd",
      version: "edge-26.8.3",
      minor: 20,
    });
    expect(report.notes).toEqual([
      "httproutes.policy.linkerd.io/v1beta3 is not served by this cluster: skipped",
    ]);
  });

  it("reports the running pods' sidecars as Istio's injector stored them", async () => {
    const vllm = report.workloads.find((w) => w.name === "mistral-7b");
    const { stdout } = await cluster.kubectl([
      "get",
      "pod",
      "mistral-7b-5d8f7c6b9-0",
      "-n",
      "inference",
      "-o",
      "json",
    ]);
    const stored = JSON.parse(stdout) as V1Pod;
    const proxy = [...(stored.spec?.initContainers ?? []), ...(stored.spec?.containers ?? [])].find(
      (c) => c.name === "istio-proxy",
    );
    expect(vllm?.pods).toEqual({
      pods: 2,
      withoutSidecar: 0,
      sidecars: [
        {
          mesh: "istio",
          container: "istio-proxy",
          mode: proxy?.restartPolicy === "Always" ? "native" : "classic",
          image: "docker.io/istio/proxyv2:1.30.3",
          requests: proxy?.resources?.requests,
          limits: proxy?.resources?.limits,
          pods: 2,
        },
      ],
    });
    expect(vllm?.optedIn).toBe(true);
    expect(vllm?.changes).toContainEqual({
      kind: "annotation",
      key: "sidecar.istio.io/proxyCPULimit",
      value: "2",
    });
  });

  it("reads in pages: the same findings with one object a page", async () => {
    const paged = await auditJson(["-A", "--chunk-size", "1"]);
    expect(findingsOf(paged)).toEqual(SEEDED);
    expect(paged.read.pods).toEqual({ objects: 4, pages: 4 });
    expect(paged.read["virtualservices.networking.istio.io"]).toEqual({ objects: 1, pages: 1 });
    expect(report.read.pods).toEqual({ objects: 4, pages: 1 });
  });

  it("prints the table, without a progress line when piped, and exits 1", async () => {
    const { code, stdout, stderr } = await meshtuneAudit(["-A"]);
    expect(code).toBe(1);
    // Piped, as here: no progress line.
    expect(stderr).toBe("");
    expect(stdout).toContain("inference  Deployment/mistral-7b  profile gpu-inference\n");
    const count = (severity: string) => SEEDED.filter((f) => f.startsWith(severity)).length;
    expect(stdout.trimEnd().split("\n").at(-1)).toBe(
      `5 workloads audited, 1 not selected: ${count("error")} errors, ${count("warning")} warnings, 0 info`,
    );
  });

  it("runs under a role that cannot write any of what it reads", async () => {
    for (const resource of [
      "pods",
      "services",
      "deployments.apps",
      "virtualservices.networking.istio.io",
      "httproutes.gateway.networking.k8s.io",
      "configmaps",
    ]) {
      for (const verb of ["create", "patch", "delete"]) {
        const answer = await cluster
          .kubectl(["auth", "can-i", verb, resource, "-A", `--as=${AUDITOR}`])
          .then(
            ({ stdout }) => stdout.trim(),
            (error: KubectlError) => error.stdout.trim(),
          );
        expect(answer, `${verb} ${resource}`).toBe("no");
      }
    }
  });
});

describe("meshtune audit --fix against the cluster", () => {
  let fix: string;

  beforeAll(async () => {
    ({ stdout: fix } = await meshtuneAudit(["-A", "--fix"]));
  });

  it("prints YAML that kubectl apply --dry-run=server accepts, object by object", async () => {
    const objects = parseAllDocuments(fix)
      .map((d) => d.toJS() as KubernetesObject | null)
      .filter((o) => o !== null);
    expect(
      objects.map((o) => `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`).sort(),
    ).toEqual([
      "DestinationRule inference/mistral-7b",
      "EnvoyFilter istio-system/hcm-stream-idle-timeout",
      "EnvoyFilter models/llama3-limits",
      "GRPCRoute ranking/triton-infer",
      "HTTPRoute chat/zephyr-generate",
      "Service chat/zephyr-tgi",
      "Sidecar models/llama3",
      "VirtualService inference/mistral-7b",
    ]);
    const { stdout } = await cluster.kubectl(["apply", "--dry-run=server", "-f", "-"], fix);
    expect(stdout.trim().split("\n")).toHaveLength(8);
    expect(stdout).not.toContain("unchanged");
  });

  it("leaves, once applied, only what a restart resolves; a namespace's audit is then clean", async () => {
    await cluster.kubectl(["apply", "-f", "-"], fix);
    const again = await auditJson(["-A"]);
    expect(findingsOf(again)).toEqual(
      SEEDED.filter((finding) => finding.includes("proxy-version-skew")),
    );
    const inference = await meshtuneAudit(["-n", "inference"]);
    expect(inference.code).toBe(0);
    expect(inference.stdout.trimEnd().split("\n").at(-1)).toBe(
      "1 workload audited, 0 not selected: 0 errors, 0 warnings, 0 info",
    );
  });
});
