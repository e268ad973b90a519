import { spawnSync } from "node:child_process";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { fixtureFile as fixtures, meshtune, temp } from "./run-cli.js";

type Doc = {
  kind: string;
  spec: { template: { metadata: { annotations: Record<string, string> } } };
};

describe("meshtune mutate", () => {
  it("prints the vLLM Deployment with its pod template tuned", () => {
    const { code, stdout } = meshtune(["mutate", "-f", fixtures("vllm-deployment")]);
    expect(code).toBe(0);
    const [deployment] = parseAllDocuments(stdout).map((doc) => doc.toJS() as Doc);
    expect(deployment?.spec.template.metadata.annotations).toMatchObject({
      "sidecar.istio.io/proxyCPU": "500m",
      "sidecar.istio.io/proxyCPULimit": "2",
      "config.linkerd.io/proxy-memory-limit": "512Mi",
      "meshtune.dev/applied": "gpu-inference",
    });
  });

  it("explains why, on standard error", () => {
    const { stderr } = meshtune(["mutate", "-f", fixtures("vllm-deployment"), "--explain"]);
    expect(stderr).toContain(
      "document 1 (Deployment/llama-3-8b):\n  previewed with the labels the Deployment controller adds: pod-template-hash (uid and hash values are stand-ins)\n  selected: container vllm requests nvidia.com/gpu\n",
    );
    expect(stderr).toContain("  profile gpu-inference (tune): first profile whose match holds\n");
  });

  it("prints the JSON Patch per document, relative to the workload", () => {
    const { stdout } = meshtune(["mutate", "-f", fixtures("tgi-statefulset"), "-o", "patch"]);
    expect(stdout.split("\n")[0]).toBe("# StatefulSet/mistral-tgi");
    const patch = JSON.parse(stdout.slice(stdout.indexOf("\n"))) as { path: string }[];
    expect(patch).toContainEqual({
      op: "add",
      path: "/spec/template/metadata/annotations",
      value: expect.objectContaining({ "meshtune.dev/applied": "gpu-inference" }),
    });
    expect(patch.every(({ path }) => path.startsWith("/spec/template/"))).toBe(true);
  });

  it("reads multi-document YAML from standard input, passing through kinds that make no pods", () => {
    const input = `apiVersion: v1\nkind: Service\nmetadata: { name: llama }\nspec: { ports: [{ port: 80 }] }\n---\n${fixtureText("sglang-pod")}`;
    const { code, stdout } = meshtune(["mutate", "-f", "-"], input);
    expect(code).toBe(0);
    const docs = parseAllDocuments(stdout).map(
      (doc) => doc.toJS() as { kind: string; metadata: { annotations?: object } },
    );
    expect(docs.map((doc) => doc.kind)).toEqual(["Service", "Pod"]);
    expect(docs[0]?.metadata.annotations).toBeUndefined();
    expect(docs[1]?.metadata.annotations).toHaveProperty(["meshtune.dev/applied"], "gpu-inference");
  });

  it("mutates the pod templates inside a List and a CronJob", () => {
    const cronJob = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "nightly-eval" },
      spec: {
        schedule: "0 2 * * *",
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: "Never",
                containers: [{ name: "eval", image: "vllm/vllm-openai:v0.11.0" }],
              },
            },
          },
        },
      },
    };
    const list = JSON.stringify({ apiVersion: "v1", kind: "List", items: [cronJob] });
    const { code, stdout } = meshtune(["mutate", "-f", temp("list.json", list), "-o", "json"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { items: (typeof cronJob)[] };
    const template = out.items[0]!.spec.jobTemplate.spec.template as {
      metadata?: { annotations?: object };
    };
    expect(template.metadata?.annotations).toHaveProperty(
      ["meshtune.dev/applied"],
      "gpu-inference",
    );
  });

  it("leaves a CPU-only pod exactly as it was", () => {
    const { stdout } = meshtune(["mutate", "-f", fixtures("web-cpu-pod"), "-o", "patch"]);
    expect(stdout).toBe("# Pod/storefront-web\n[]\n");
  });

  // The vLLM Deployment's patch, and the explanation, with more flags.
  const vllmPatch = (...flags: string[]) =>
    meshtune(["mutate", "-f", fixtures("vllm-deployment"), "-o", "patch", "--explain", ...flags]);
  const UNCHANGED = "# Deployment/llama-3-8b\n[]\n";

  it("checks the opt-in label the config names", () => {
    const config = temp(
      "labelled.yaml",
      "namespaceLabel: { key: platform.example.com/mesh, value: gpu }\nprofiles: [{ name: p }]\n",
    );
    const labelled = (labels: string) =>
      vllmPatch("--config", config, "--namespace-labels", labels);
    expect(labelled("meshtune.dev/enabled=true").stdout).toBe(UNCHANGED);
    expect(labelled("platform.example.com/mesh=gpu").stdout).not.toBe(UNCHANGED);
  });

  it("puts the pods of a namespace labelled for Istio ambient in ambient: no sidecar keys", () => {
    const { stdout, stderr } = vllmPatch(
      "--namespace-labels",
      "meshtune.dev/enabled=true,istio.io/dataplane-mode=ambient",
    );
    expect(stdout).not.toMatch(/(sidecar|proxy)\.istio\.io/);
    expect(stdout).toContain('"path": "/spec/template/spec/containers/0/lifecycle"');
    expect(stdout).toContain('"preStop": {');
    expect(stderr).toContain(
      "Istio: in ambient (istio.io/dataplane-mode=ambient on the namespace): no sidecar, so no sidecar keys",
    );
  });

  it("never changes pods in meshtune's own namespace", () => {
    const { stdout, stderr } = vllmPatch("-n", "gpu-platform", "--own-namespace", "gpu-platform");
    expect(stdout).toBe(UNCHANGED);
    expect(stderr).toContain("skipped: namespace gpu-platform is meshtune's own");
  });

  it("simulates a namespace that has not opted in", () => {
    const { stdout, stderr } = meshtune([
      "mutate",
      "-f",
      fixtures("vllm-deployment"),
      "-o",
      "patch",
      "--explain",
      "--namespace",
      "ml",
      "--namespace-labels",
      "team=ml",
    ]);
    expect(stdout).toBe("# Deployment/llama-3-8b\n[]\n");
    expect(stderr).toContain(
      "namespace ml lacks the label meshtune.dev/enabled=true; the webhook would not be called",
    );
  });

  it("simulates an excluded namespace", () => {
    const { stdout } = meshtune([
      "mutate",
      "-f",
      fixtures("vllm-deployment"),
      "-o",
      "patch",
      "-n",
      "kube-system",
    ]);
    expect(stdout).toBe("# Deployment/llama-3-8b\n[]\n");
  });

  it("uses another config file", () => {
    const config = temp(
      "config.yaml",
      "meshes: [linkerd]\nprofiles: [{ name: lean, sidecar: { linkerd: { cpuLimit: 500m, cpuRequest: 100m } } }]\n",
    );
    const { stdout } = meshtune(["mutate", "-f", fixtures("vllm-deployment"), "--config", config]);
    expect(stdout).toContain("config.linkerd.io/proxy-cpu-limit: 500m");
    expect(stdout).not.toContain("sidecar.istio.io");
  });

  it("exits 1 naming the config path that is wrong", () => {
    const config = temp(
      "bad.yaml",
      'profiles: [{ name: p, sidecar: { istio: { cpuLimit: "2 cores" } } }]\n',
    );
    const { code, stderr, stdout } = meshtune([
      "mutate",
      "-f",
      fixtures("vllm-deployment"),
      "--config",
      config,
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      'profiles[0].sidecar.istio.cpuLimit: "2 cores" is not a Kubernetes quantity',
    );
  });

  it("exits 1 when the input cannot be read", () => {
    const { code, stderr } = meshtune(["mutate", "-f", "/nonexistent/pods.yaml"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^meshtune mutate: cannot read \/nonexistent\/pods.yaml: ENOENT/);
  });

  it("exits 1 naming the document that is not valid YAML", () => {
    const { code, stderr } = meshtune(["mutate", "-f", "-"], "kind: Pod\n---\nkind: [Pod\n");
    expect(code).toBe(1);
    expect(stderr).toBe(
      "meshtune mutate: <stdin>: document 2 is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] (line 4, column 1)\n",
    );
  });

  it("exits 1 on a document that is not an object", () => {
    const { code, stderr } = meshtune(["mutate", "-f", "-"], "- just\n- a list\n");
    expect(code).toBe(1);
    expect(stderr).toBe(
      "meshtune mutate: <stdin>: document 1 is a list, not a Kubernetes object (a mapping with kind)\n",
    );
  });

  it("treats the empty maps and lists Helm renders as absent", () => {
    const input =
      "kind: Pod\nmetadata:\n  name: helm-rendered\n  annotations:\nspec:\n  volumes:\n  containers:\n    - name: vllm\n      image: vllm/vllm-openai:v0.11.0\n      volumeMounts:\n";
    const { code, stdout } = meshtune(["mutate", "-f", "-", "-o", "json"], input);
    expect(code).toBe(0);
    const pod = JSON.parse(stdout) as {
      metadata: { annotations: object };
      spec: { volumes: object[] };
    };
    expect(pod.metadata.annotations).toHaveProperty(["meshtune.dev/applied"], "gpu-inference");
    expect(pod.spec.volumes).toHaveLength(1);
  });

  it("exits 1 naming a pod it cannot read", () => {
    const input = "kind: Pod\nmetadata: { name: odd }\nspec:\n  containers: notalist\n";
    const { code, stderr } = meshtune(["mutate", "-f", "-"], input);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'meshtune mutate: <stdin>: document 1 (Pod/odd): spec.containers is the string "notalist", not a list; is it a Kubernetes manifest?\n',
    );
  });

  it("exits 1 on malformed --namespace-labels", () => {
    const { code, stderr } = meshtune([
      "mutate",
      "-f",
      fixtures("web-cpu-pod"),
      "--namespace-labels",
      "team",
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('--namespace-labels: "team" is not key=value');
  });
});

function fixtureText(name: string): string {
  return spawnSync("cat", [fixtures(name)], { encoding: "utf8" }).stdout;
}
