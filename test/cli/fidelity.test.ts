import { readFileSync } from "node:fs";
import type { V1Container, V1Deployment, V1Job, V1Pod } from "@kubernetes/client-node";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { GO_YAML } from "../../src/parse/go-yaml.js";
import { fixtureFile, meshtune, temp } from "./run-cli.js";

/** Reads YAML as kubectl does (go-yaml's YAML 1.1). */
const asKubectlReads = (text: string): unknown[] =>
  parseAllDocuments(text, GO_YAML).map((document) => document.toJS() as unknown);

const VLLM_WITH_CONFIG_VOLUME = `# A vLLM server with its config from a ConfigMap (issue 11: defaultMode 0400 came out as 400).
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama  # the model
spec:
  selector:
    matchLabels: {app: llama}
  template:
    metadata:
      labels:
        app: llama
    spec:
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.11.0
        args: ["--port", "8000"]
        resources:
          limits:
            nvidia.com/gpu: 1   # one GPU
      volumes:
      - name: config
        configMap:
          name: llama-config
          defaultMode: 0400
`;

const CONFIG_MAP = `---
# Not a workload: passed through as it is.
apiVersion: v1
kind: ConfigMap
metadata:   {name: llama-config}
data:
  mode: "0400"
  mount: 0400
  enabled: yes
  port:  8080:80
`;

describe("documents meshtune does not change", () => {
  it("come out byte for byte, comments, spacing and YAML 1.1 scalars included", () => {
    const cpu = readFileSync(fixtureFile("web-cpu-pod"), "utf8");
    const input = `${CONFIG_MAP}---\n${cpu}`;
    const { code, stdout } = meshtune(["mutate", "-f", "-"], input);
    expect(code).toBe(0);
    expect(stdout).toBe(input);
  });

  it("keep their bytes in a stream where another document changes", () => {
    const input = VLLM_WITH_CONFIG_VOLUME + CONFIG_MAP;
    const { stdout } = meshtune(["mutate", "-f", "-"], input);
    expect(stdout.endsWith(CONFIG_MAP)).toBe(true);
  });

  it("include every document of a Helm render but the one with a GPU", () => {
    const input = readFileSync(fixtureFile("renders/production-stack"), "utf8");
    const { stdout } = meshtune(["mutate", "-f", "-"], input);
    const engine = input.indexOf("---\n# Source: vllm-stack/templates/deployment-vllm-multi.yaml");
    expect(stdout.startsWith(input.slice(0, engine))).toBe(true);
    expect(stdout.length).toBeGreaterThan(input.length);
  });
});

describe("a document meshtune changes", () => {
  const { stdout } = meshtune(["mutate", "-f", "-"], VLLM_WITH_CONFIG_VOLUME);
  const [tuned] = asKubectlReads(stdout) as V1Deployment[];
  const template = tuned!.spec!.template;

  it("keeps 0400 as 0400, which kubectl reads as octal 256", () => {
    expect(stdout).toContain("          defaultMode: 0400\n");
    expect(template.spec!.volumes![0]!.configMap!.defaultMode).toBe(256);
  });

  it("keeps its comments and its layout: block lists at their key's column, flow maps as flow", () => {
    expect(stdout).toMatch(/^# A vLLM server with its config from a ConfigMap/);
    expect(stdout).toContain("  name: llama # the model\n");
    expect(stdout).toContain("            nvidia.com/gpu: 1 # one GPU\n");
    expect(stdout).toContain("    matchLabels: {app: llama}\n");
    expect(stdout).toContain("      containers:\n      - name: vllm\n");
  });

  it("is tuned as kubectl will read it", () => {
    expect(template.metadata!.annotations).toMatchObject({
      "meshtune.dev/applied": "gpu-inference",
      "sidecar.istio.io/proxyCPULimit": "2",
    });
  });
});

describe("manifests read as kubectl reads them", () => {
  it("refuses an unquoted yes where Kubernetes takes a string, naming the document and the field", () => {
    const input = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: odd\n  labels:\n    monitored: yes\nspec:\n  containers:\n  - {name: vllm, image: vllm/vllm-openai}\n`;
    const { code, stderr } = meshtune(["mutate", "-f", "-"], input);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "meshtune mutate: <stdin>: document 1 (Pod/odd): metadata.labels.monitored is the boolean true, not a string; quote it, as Kubernetes takes only a string there\n",
    );
  });

  // Issue 11: an unquoted number in args gave "cannot be mutated: part.split is not a function".
  it("refuses an unquoted number in args, naming the document and the field", () => {
    const input = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: llama}\nspec:\n  template:\n    spec:\n      containers:\n      - name: vllm\n        image: vllm/vllm-openai\n        args: [--port, 8000]\n`;
    const { code, stderr } = meshtune(["mutate", "-f", "-"], input);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "meshtune mutate: <stdin>: document 1 (Deployment/llama): spec.template.spec.containers[0].args[1] is the number 8000, not a string; quote it, as Kubernetes takes only a string there\n",
    );
  });

  it("takes an unquoted GPU count, as Kubernetes reads quantities from numbers", () => {
    const { code, stdout } = meshtune(["mutate", "-f", "-"], VLLM_WITH_CONFIG_VOLUME);
    expect(code).toBe(0);
    expect(stdout).toContain("meshtune.dev/applied: gpu-inference");
  });
});

describe("anchors, aliases and merge keys", () => {
  const TWO_SERVERS = `apiVersion: v1
kind: Pod
metadata:
  name: two-servers
spec:
  containers:
  - &server
    name: vllm-a
    image: vllm/vllm-openai:v0.11.0
    args: [--port, "8000"]
    resources:
      limits: {nvidia.com/gpu: 1}
  - <<: *server
    name: vllm-b
    args: [--port, "8001"]
`;

  // Issue 11: merge keys were ignored, and the anchor was written back onto the changed node, so
  // the aliased container inherited the other container's hook.
  it("resolves merge keys before planning, and never lets an edit reach the aliased container", () => {
    const { code, stdout } = meshtune(["mutate", "-f", "-"], TWO_SERVERS);
    expect(code).toBe(0);
    const [pod] = asKubectlReads(stdout) as V1Pod[];
    const seen = (container: V1Container) => [
      container.name,
      container.lifecycle!.postStart!.exec!.command![7],
      container.volumeMounts![0]!.subPath,
      container.image,
    ];
    expect(pod!.spec!.containers.map(seen)).toEqual([
      ["vllm-a", "http://127.0.0.1:8000", "vllm-a", "vllm/vllm-openai:v0.11.0"],
      ["vllm-b", "http://127.0.0.1:8001", "vllm-b", "vllm/vllm-openai:v0.11.0"],
    ]);
  });

  // Issue 11: an alias bomb ended in an uncaught ReferenceError with a stack trace.
  it("refuses an alias bomb in one sentence, without a stack trace", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const name of "bcdef") {
      const previous = levels.at(-1)!.slice(0, 1);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
    }
    const input = `${levels.join("\n")}\nkind: Pod\nmetadata: {name: bomb}\n`;
    const { code, stderr } = meshtune(["mutate", "-f", temp("bomb.yaml", input)]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^meshtune mutate: \S+bomb\.yaml: document 1 \(Pod\/bomb\) has over 1000 aliases, the limit\n$/,
    );
  });

  it("refuses nesting deeper than manifests go, in one sentence", () => {
    const input = `kind: Pod\nspec: ${"[".repeat(30_000)}${"]".repeat(30_000)}\n`;
    const { code, stderr } = meshtune(["mutate", "-f", "-"], input);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "meshtune mutate: <stdin>: document 1 nests over 200 levels deep, the limit\n",
    );
  });
});

describe("kinds meshtune does not read", () => {
  it.each([
    ["an InferenceService", "serving.kserve.io/v1beta1", "InferenceService"],
    ["a PyTorchJob", "kubeflow.org/v1", "PyTorchJob"],
    ["a Service", "v1", "Service"],
  ])("passes %s through, saying why", (_what, apiVersion, kind) => {
    const input = `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: llama\n`;
    const { code, stdout, stderr } = meshtune(["mutate", "-f", "-", "--explain"], input);
    expect(code).toBe(0);
    expect(stdout).toBe(input);
    expect(stderr).toBe(
      `document 1 (${kind}/llama):\n  passed through: not a pod or a workload meshtune knows\n`,
    );
  });
});

describe("every CLI failure", () => {
  it.each([
    ["a missing file", ["mutate", "-f", "/nonexistent/pods.yaml"], undefined],
    ["invalid YAML", ["mutate", "-f", "-"], "kind: Pod\nmetadata: {name: [x\n"],
    ["a list for a document", ["mutate", "-f", "-"], "- a\n- b\n"],
    ["a pod of the wrong shape", ["mutate", "-f", "-"], "kind: Pod\nspec: {containers: 5}\n"],
    ["an unknown option", ["mutate", "--nope"], undefined],
  ])(
    "is one line on standard error with exit code 1 and no stack trace: %s",
    (_what, args, input) => {
      const { code, stdout, stderr } = meshtune(args, input);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(
        stderr
          .trimEnd()
          .split("\n")
          .filter((line) => !line.startsWith("(add --help")),
      ).toHaveLength(1);
      expect(stderr).not.toMatch(/:\n*$/);
    },
  );
});

describe("previews", () => {
  const profileConfig = (selector: string) =>
    temp(
      "config.yaml",
      `meshes: [istio]\nprofiles:\n  - name: batch\n    mode: opt-out\n    match:\n      podSelector:\n        matchExpressions: [{key: ${selector}, operator: Exists}]\n  - name: gpu-inference\n`,
    );
  const JOB = `apiVersion: batch/v1\nkind: Job\nmetadata: {name: eval}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - {name: eval, image: vllm/vllm-openai, resources: {limits: {nvidia.com/gpu: 1}}}\n`;

  // Issue 11: a Job's preview lacked the labels the Job controller adds, so a profile matching
  // them chose one thing in mutate and another in the cluster.
  it.each([
    "batch.kubernetes.io/job-name",
    "job-name",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
  ])("see the %s label the Job adds to its pods, as the cluster's pods have it", (label) => {
    const { stdout } = meshtune(["mutate", "-f", "-", "--config", profileConfig(label)], JOB);
    const [job] = asKubectlReads(stdout) as V1Job[];
    const { metadata } = job!.spec!.template;
    expect(metadata!.annotations!["meshtune.dev/applied"]).toBe("batch");
    // The labels are the controller's to add: the manifest itself does not get them.
    expect(metadata!.labels).toEqual({
      "sidecar.istio.io/inject": "false",
      "istio.io/dataplane-mode": "none",
    });
  });

  it("see the label a Deployment's pods get from its ReplicaSet", () => {
    const input = readFileSync(fixtureFile("vllm-deployment"), "utf8");
    const { stdout } = meshtune(
      ["mutate", "-f", "-", "--config", profileConfig("pod-template-hash")],
      input,
    );
    const deployment = parse(stdout) as V1Deployment;
    expect(deployment.spec!.template.metadata!.annotations!["meshtune.dev/applied"]).toBe("batch");
  });
});
