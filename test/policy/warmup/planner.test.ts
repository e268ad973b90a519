import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/schema.js";
import { mutatePod } from "../../../src/engine.js";
import { planPod } from "../../../src/policy/planner.js";
import { MAX_WARMUP_HOOKS } from "../../../src/policy/warmup/planner.js";
import { WARMUP_SCRIPT } from "../../../src/policy/warmup/warmup-script.generated.js";
import { applied } from "../../apply-patch.js";
import { fixturePod } from "../../fixtures/load.js";
import { told } from "../told.js";

const config = loadConfig();
const target = { namespace: "inference" };
const JSON_CONTENT = "Content-Type: application/json";

function apply(pod: V1Pod, from: Config = config): V1Pod {
  const { patch } = mutatePod(pod, target, from);
  return applied(pod, patch);
}

function warnings(pod: V1Pod, from: Config = config): string[] {
  return told(planPod(pod, target, from));
}

/** The hook's positional arguments, by name. */
function hookArguments(container: V1Container) {
  const command = container.lifecycle?.postStart?.exec?.command;
  if (command === undefined) return undefined;
  const [, , , , directory, limit, pause, url, health, auth, mode, path, body, ...headers] =
    command;
  // The port, for the many cases that only move it.
  const port = /:(\d+)$/.exec(url ?? "")?.[1];
  return { directory, limit, pause, url, port, health, auth, mode, path, body, headers };
}

function warmed(pod: V1Pod, index = 0) {
  return hookArguments(apply(pod).spec!.containers[index]!);
}

function withContainer(name: string, change: (container: V1Container) => void): V1Pod {
  const pod = fixturePod(name);
  change(pod.spec!.containers[0]!);
  return pod;
}

function withAnnotations(name: string, annotations: Record<string, string>): V1Pod {
  const pod = fixturePod(name);
  pod.metadata!.annotations = { ...pod.metadata!.annotations, ...annotations };
  return pod;
}

const HEALTH_ONLY = { mode: "health", path: "", body: "", headers: [] };

const OPENAI_COMPLETION = {
  mode: "openai",
  path: "/v1/completions",
  body: '{"prompt":"warmup","max_tokens":1}',
  headers: [JSON_CONTENT],
};
const TGI_GENERATE = {
  mode: "request",
  path: "/generate",
  body: '{"inputs":"warmup","parameters":{"max_new_tokens":1}}',
  headers: [JSON_CONTENT],
};

describe("the warmup of each model server", () => {
  it.each([
    {
      server: "vLLM",
      fixture: "vllm-deployment",
      expected: {
        url: "http://127.0.0.1:8000",
        health: "/health",
        auth: "$VLLM_API_KEY",
        ...OPENAI_COMPLETION,
      },
    },
    {
      server: "vLLM from the production-stack chart",
      fixture: "vllm-production-stack-deployment",
      expected: {
        url: "http://127.0.0.1:8000",
        health: "/health",
        auth: "$VLLM_API_KEY",
        ...OPENAI_COMPLETION,
      },
    },
    {
      server: "vLLM as a LeaderWorkerSet leader, behind Ray in sh -c",
      fixture: "lws-vllm-leader-pod",
      expected: {
        url: "http://127.0.0.1:8080",
        health: "/health",
        auth: "$VLLM_API_KEY",
        ...OPENAI_COMPLETION,
      },
    },
    {
      server: "vLLM of an LLMInferenceService, over HTTPS",
      fixture: "llminferenceservice-deployment",
      expected: {
        url: "https://127.0.0.1:8000",
        health: "/health",
        auth: "$VLLM_API_KEY",
        ...OPENAI_COMPLETION,
      },
    },
    {
      server: "TGI",
      fixture: "tgi-statefulset",
      expected: {
        url: "http://127.0.0.1:80",
        health: "/health",
        auth: "$API_KEY",
        ...TGI_GENERATE,
      },
    },
    {
      server: "TGI in Google's DLC, on AIP_HTTP_PORT",
      fixture: "tgi-google-deployment",
      expected: {
        url: "http://127.0.0.1:8000",
        health: "/health",
        auth: "$API_KEY",
        ...TGI_GENERATE,
      },
    },
    {
      server: "SGLang",
      fixture: "sglang-pod",
      expected: { url: "http://127.0.0.1:30000", health: "/health", auth: "", ...HEALTH_ONLY },
    },
    {
      server: "SGLang started as sglang serve, with --api-key $(NAME)",
      fixture: "sglang-serve-deployment",
      expected: {
        url: "http://127.0.0.1:30000",
        health: "/health",
        auth: "$SGLANG_API_KEY",
        ...HEALTH_ONLY,
      },
    },
    {
      server: "Triton",
      fixture: "triton-deployment",
      expected: {
        url: "http://127.0.0.1:8000",
        health: "/v2/health/ready",
        auth: "",
        ...HEALTH_ONLY,
      },
    },
    {
      server: "TorchServe with token auth off",
      fixture: "torchserve-deployment",
      expected: { url: "http://127.0.0.1:8080", health: "/ping", auth: "", ...HEALTH_ONLY },
    },
    {
      server: "KServe's TorchServe runtime, on KServe's own port",
      fixture: "kserve-torchserve-pod",
      expected: {
        url: "http://127.0.0.1:8080",
        health: "/v2/health/ready",
        auth: "",
        ...HEALTH_ONLY,
      },
    },
    {
      server: "Ollama",
      fixture: "ollama-deployment",
      expected: {
        url: "http://127.0.0.1:11434",
        health: "/api/version",
        auth: "",
        mode: "request",
        path: "/api/generate",
        body: '{"model":"llama3.2","keep_alive":-1}',
        headers: [JSON_CONTENT],
      },
    },
    {
      server: "Ollama from its chart, health from its readinessProbe",
      fixture: "ollama-chart-deployment",
      expected: {
        url: "http://127.0.0.1:11434",
        health: "/",
        auth: "",
        mode: "request",
        path: "/api/generate",
        body: '{"model":"llama3.2:3b","keep_alive":-1}',
        headers: [JSON_CONTENT],
      },
    },
    {
      server: "NVIDIA NIM from the NIM Operator",
      fixture: "nim-operator-deployment",
      expected: {
        url: "http://127.0.0.1:8000",
        health: "/v1/health/ready",
        auth: "",
        ...OPENAI_COMPLETION,
      },
    },
    {
      server: "llama.cpp's server",
      fixture: "llamacpp-deployment",
      expected: {
        url: "http://127.0.0.1:8080",
        health: "/health",
        auth: "$LLAMA_API_KEY",
        mode: "request",
        path: "/completion",
        body: '{"prompt":"warmup","n_predict":1}',
        headers: [JSON_CONTENT],
      },
    },
    {
      server: "KServe huggingfaceserver, by its model's readiness",
      fixture: "kserve-huggingface-pod",
      expected: {
        url: "http://127.0.0.1:8080",
        health: "/v1/models/llama3",
        auth: "",
        ...OPENAI_COMPLETION,
        path: "/openai/v1/completions",
      },
    },
    {
      server: "KServe's sklearnserver, by its model's readiness",
      fixture: "kserve-predictor-pod",
      expected: {
        url: "http://127.0.0.1:8080",
        health: "/v1/models/sklearn-iris",
        auth: "",
        ...HEALTH_ONLY,
      },
    },
    {
      server: "a container described by meshtune.dev/warmup",
      fixture: "reranker-warmup-pod",
      expected: {
        url: "http://127.0.0.1:9000",
        health: "/healthz",
        auth: "",
        mode: "request",
        path: "/rerank",
        body: '{"query":"warmup","documents":["warm"]}',
        headers: [JSON_CONTENT, "X-Warmup: meshtune"],
      },
    },
  ])("warms $server where it listens, on its health path", ({ fixture, expected }) => {
    const { port, ...args } = warmed(fixturePod(fixture))!;
    expect(port).toBe(expected.url.split(":").pop());
    expect(args).toEqual({ directory: "/var/run/meshtune", limit: "900", pause: "2", ...expected });
  });

  it("only waits for Ollama's health when no meshtune.dev/warmup-model names a model", () => {
    const pod = fixturePod("ollama-deployment");
    delete pod.metadata!.annotations!["meshtune.dev/warmup-model"];
    expect(warmed(pod)).toMatchObject(HEALTH_ONLY);
  });

  it("lets meshtune.dev/warmup override part of a server's defaults", () => {
    const pod = withAnnotations("triton-deployment", {
      "meshtune.dev/warmup": '{"path":"/v2/models/resnet/infer","body":{"inputs":[]}}',
    });
    expect(warmed(pod)).toMatchObject({
      port: "8000",
      health: "/v2/health/ready",
      mode: "request",
      path: "/v2/models/resnet/infer",
      body: '{"inputs":[]}',
    });
  });

  it("sends a GET for a meshtune.dev/warmup path with no body, or an empty one", () => {
    for (const annotation of ['{"path":"/warm"}', '{"path":"/warm","body":""}']) {
      const pod = withAnnotations("triton-deployment", { "meshtune.dev/warmup": annotation });
      expect(warmed(pod)).toMatchObject({ mode: "request", path: "/warm", body: "" });
      expect(warnings(pod).join("\n")).toContain("then GET /warm");
    }
  });

  it("warms only the container meshtune.dev/warmup-container names", () => {
    const pod = apply(fixturePod("reranker-warmup-pod"));
    expect(pod.spec!.containers[1]).toEqual(fixturePod("reranker-warmup-pod").spec!.containers[1]);
  });
});

describe("the model servers meshtune adds no hook to, saying why", () => {
  it.each([
    [
      "a LeaderWorkerSet worker running Ray in the vLLM image",
      "lws-vllm-worker-pod",
      'no warmup for container "vllm-worker": it runs multi-node-serving.sh worker, not the vLLM server',
    ],
    [
      "a data-parallel vLLM worker with --headless",
      "llminferenceservice-dp-worker-pod",
      'no warmup for container "main": it runs with --headless, so no API server listens',
    ],
    [
      "TorchServe reading its address from its own config file",
      "torchserve-chart-deployment",
      'no warmup for container "torchserve": it reads its inference address from a config file meshtune cannot read; set "port" in meshtune.dev/warmup',
    ],
  ])("%s", (_, fixture, warning) => {
    const pod = fixturePod(fixture);
    expect(warmed(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(warning);
    expect(apply(pod).spec!.containers[0]!.startupProbe).toEqual(
      pod.spec!.containers[0]!.startupProbe,
    );
  });
});

describe("the hook meshtune adds", () => {
  const pod = apply(fixturePod("vllm-deployment"));
  const container = pod.spec!.containers[0]!;

  it("is an exec postStart of one fixed script that holds nothing from the pod", () => {
    const command = container.lifecycle!.postStart!.exec!.command!;
    expect(command.slice(0, 4)).toEqual(["/bin/sh", "-c", WARMUP_SCRIPT, "meshtune-warmup"]);
    expect(container.lifecycle!.postStart!.httpGet).toBeUndefined();
    for (const name of ["reranker-warmup-pod", "ollama-deployment", "tgi-statefulset"]) {
      const other = apply(fixturePod(name)).spec!.containers[0]!.lifecycle!.postStart!.exec!;
      expect(other.command![2]).toBe(WARMUP_SCRIPT);
    }
    for (const word of ["rerank", "llama", "/v1/completions", "9000", "/healthz"]) {
      expect(WARMUP_SCRIPT).not.toContain(word);
    }
  });

  it("mounts the emptyDir meshtune-warmup at /var/run/meshtune, one subPath per container", () => {
    expect(pod.spec!.volumes).toContainEqual({ name: "meshtune-warmup", emptyDir: {} });
    expect(container.volumeMounts).toContainEqual({
      name: "meshtune-warmup",
      mountPath: "/var/run/meshtune",
      subPath: "vllm",
    });
  });

  it("adds an exec startupProbe on the marker whose budget covers the time limit", () => {
    const probe = container.startupProbe!;
    expect(probe.exec!.command).toEqual([
      "/bin/sh",
      "-c",
      'test -f "$1"',
      "meshtune-warmup-probe",
      "/var/run/meshtune/ready",
    ]);
    expect(probe.periodSeconds).toBe(5);
    expect(probe.failureThreshold! * probe.periodSeconds!).toBeGreaterThanOrEqual(900 + 2);
  });

  it("follows the configured time limit, pause and probe period", () => {
    const custom = parseConfig(
      "warmup: { timeoutSeconds: 60, pollIntervalSeconds: 1, probePeriodSeconds: 10 }\n" +
        "profiles: [{ name: p, warmup: true }]",
    );
    const planned = apply(fixturePod("vllm-deployment"), custom).spec!.containers[0]!;
    expect(hookArguments(planned)).toMatchObject({ limit: "60", pause: "1" });
    expect(planned.startupProbe).toMatchObject({ periodSeconds: 10 });
    expect(planned.startupProbe!.failureThreshold! * 10).toBeGreaterThanOrEqual(61);
  });

  it("asks Istio and Linkerd to start their proxy before the app", () => {
    const annotations = pod.metadata!.annotations!;
    // A native istio-proxy holds the app with its startupProbe; a classic one needs the hold.
    expect(annotations["sidecar.istio.io/nativeSidecar"]).toBe("true");
    const classic = parseConfig(
      "profiles: [{ name: p, warmup: true, sidecar: { mode: classic } }]",
    );
    const held = apply(fixturePod("vllm-deployment"), classic).metadata!.annotations!;
    expect(JSON.parse(held["proxy.istio.io/config"]!)).toMatchObject({
      holdApplicationUntilProxyStarts: true,
    });
    expect(annotations["config.linkerd.io/proxy-await"]).toBe("enabled");
  });

  it("tells what it set in short warnings", () => {
    expect(warnings(fixturePod("vllm-deployment"))).toEqual(
      expect.arrayContaining([
        'set warmup on container "vllm" (vLLM): GET /health on port 8000 (its readinessProbe), then POST /v1/completions',
        'set startupProbe on container "vllm": holds it until warm (915s at most)',
      ]),
    );
  });
});

describe("what the pod already has", () => {
  it("keeps an existing postStart hook, warns, and adds no warmup for that container", () => {
    const hook = { exec: { command: ["/bin/sh", "-c", "echo started"] } };
    const pod = withContainer("vllm-deployment", (container) => {
      container.lifecycle = { postStart: hook };
    });
    const planned = apply(pod);
    const container = planned.spec!.containers[0]!;
    expect(container.lifecycle?.postStart).toEqual(hook);
    expect(container.startupProbe).toBeUndefined();
    expect(container.volumeMounts).toEqual(pod.spec!.containers[0]!.volumeMounts);
    expect(planned.spec!.volumes).toEqual(pod.spec!.volumes);
    expect(warnings(pod)).toContain(
      'kept the postStart hook of container "vllm"; no warmup for it',
    );
    expect(planned.metadata!.annotations!["config.linkerd.io/proxy-await"]).toBeUndefined();
    const proxyConfig = JSON.parse(planned.metadata!.annotations!["proxy.istio.io/config"]!);
    expect(proxyConfig).not.toHaveProperty(["holdApplicationUntilProxyStarts"]);
  });

  it("keeps an existing startupProbe with a warning, and still adds the hook", () => {
    const probe = { httpGet: { path: "/health", port: 8000 }, failureThreshold: 60 };
    const pod = withContainer("vllm-deployment", (container) => {
      container.startupProbe = probe;
      container.lifecycle = { preStop: { exec: { command: ["sleep", "5"] } } };
    });
    const container = apply(pod).spec!.containers[0]!;
    expect(container.startupProbe).toEqual(probe);
    expect(container.lifecycle!.preStop).toEqual({ exec: { command: ["sleep", "5"] } });
    expect(hookArguments(container)?.mode).toBe("openai");
    expect(warnings(pod)).toContain(
      'kept the startupProbe of container "vllm"; it does not wait for the warmup',
    );
  });

  it("adds nothing to a pod that already has meshtune's hook, volume and probe", () => {
    for (const name of ["vllm-deployment", "reranker-warmup-pod", "torchserve-deployment"]) {
      const once = apply(fixturePod(name));
      const again = mutatePod(once, target, config);
      expect(again.patch).toEqual([]);
      expect(
        again.plan.decisions.filter(
          ({ kind }) => !["unchanged", "selected", "profile", "info"].includes(kind),
        ),
      ).toEqual([]);
    }
  });

  it("adds the volume once for two warmed containers, each with its own subPath", () => {
    const pod = fixturePod("vllm-deployment");
    const decode = structuredClone(pod.spec!.containers[0]!);
    decode.name = "vllm-decode";
    decode.args = ["meta-llama/Meta-Llama-3-8B-Instruct", "--port", "8001"];
    pod.spec!.containers.push(decode);
    const planned = apply(pod);
    expect(planned.spec!.volumes!.filter(({ name }) => name === "meshtune-warmup")).toHaveLength(1);
    expect(planned.spec!.containers.map((c) => c.volumeMounts!.at(-1)!.subPath)).toEqual([
      "vllm",
      "vllm-decode",
    ]);
    expect(planned.spec!.containers.map((c) => hookArguments(c)!.port)).toEqual(["8000", "8001"]);
    expect(mutatePod(planned, target, config).patch).toEqual([]);
  });

  it("gives up on a container that mounts something else at /var/run/meshtune", () => {
    const pod = withContainer("vllm-deployment", (container) => {
      container.volumeMounts!.push({ name: "cache", mountPath: "/var/run/meshtune" });
    });
    expect(warmed(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(
      'no warmup for container "vllm": it mounts cache at /var/run/meshtune',
    );
  });

  it("gives up when the pod's meshtune-warmup volume is no emptyDir", () => {
    const pod = fixturePod("vllm-deployment");
    pod.spec!.volumes!.push({ name: "meshtune-warmup", configMap: { name: "x" } });
    expect(warmed(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(
      'no warmup for container "vllm": the pod\'s volume meshtune-warmup is no emptyDir',
    );
  });
});

describe("warmup that cannot be done", () => {
  it.each([
    [
      "not JSON",
      "{port: 80}",
      "meshtune.dev/warmup is not valid JSON (Expected property name or '}' in JSON at position 1)",
    ],
    [
      "an array",
      "[1]",
      'meshtune.dev/warmup must be a JSON object such as {"port":8080,"health":"/healthz"}',
    ],
    [
      "a misspelt key",
      '{"heath":"/h"}',
      'meshtune.dev/warmup has unknown key "heath" (known: port, health, path, body, headers)',
    ],
    [
      "port 0",
      '{"port":0}',
      'meshtune.dev/warmup "port" must be a whole number from 1 to 65535, got 0',
    ],
    [
      "port 65536",
      '{"port":65536}',
      'meshtune.dev/warmup "port" must be a whole number from 1 to 65535, got 65536',
    ],
    [
      "a port string",
      '{"port":"8080"}',
      'meshtune.dev/warmup "port" must be a whole number from 1 to 65535, got "8080"',
    ],
    [
      "a fractional port",
      '{"port":80.5}',
      'meshtune.dev/warmup "port" must be a whole number from 1 to 65535, got 80.5',
    ],
    [
      "a relative health path",
      '{"health":"healthz"}',
      'meshtune.dev/warmup "health" must be an absolute URL path such as "/healthz", got "healthz"',
    ],
    [
      "a URL for a path",
      '{"path":"http://evil/x"}',
      'meshtune.dev/warmup "path" must be an absolute URL path such as "/healthz", got "http://evil/x"',
    ],
    [
      "a network-path reference",
      '{"path":"//evil/x"}',
      'meshtune.dev/warmup "path" must be an absolute URL path such as "/healthz", got "//evil/x"',
    ],
    [
      "a path with a space",
      '{"path":"/a b"}',
      'meshtune.dev/warmup "path" must be an absolute URL path such as "/healthz", got "/a b"',
    ],
    [
      "a path with a fragment",
      '{"path":"/a#b"}',
      'meshtune.dev/warmup "path" must be an absolute URL path such as "/healthz", got "/a#b"',
    ],
    [
      "a body without a path",
      '{"body":{}}',
      'meshtune.dev/warmup "body" and "headers" describe the warm request; give its "path" too',
    ],
    [
      "a bad header name",
      '{"path":"/p","headers":{"X Y":"1"}}',
      'meshtune.dev/warmup "headers" has "X Y", which is not an HTTP header name',
    ],
    [
      "a header that is no string",
      '{"path":"/p","headers":{"X-N":1}}',
      'meshtune.dev/warmup "headers" value of X-N must be a string on one line',
    ],
    [
      "an annotation over the size limit",
      JSON.stringify({ path: "/p", body: "x".repeat(9000) }),
      "meshtune.dev/warmup is 8.9 KiB, over the 8 KiB limit",
    ],
    [
      "an annotation nested over the depth limit",
      `{"path":"/p","body":${"[".repeat(40)}${"]".repeat(40)}}`,
      "meshtune.dev/warmup nests over 32 levels deep, the limit",
    ],
  ])("warns and adds no hook for %s", (_, annotation, problem) => {
    const pod = withAnnotations("vllm-deployment", { "meshtune.dev/warmup": annotation });
    expect(warmed(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(`no warmup for container "vllm": ${problem}`);
  });

  it("never repeats a header value or an unparsable annotation in its warnings", () => {
    const secret = "Bearer sk-live-secret";
    for (const annotation of [
      JSON.stringify({ path: "/p", headers: { Authorization: `${secret}\r\nX: y` } }),
      `{"path":"/p","headers":{"Authorization":"${secret}"},]`,
    ]) {
      const pod = withAnnotations("vllm-deployment", { "meshtune.dev/warmup": annotation });
      expect(warmed(pod)).toBeUndefined();
      expect(warnings(pod).join("\n")).not.toContain("sk-live");
    }
  });

  it.each([
    [
      "--port abc",
      ["m", "--port", "abc"],
      '--port is "abc", not a port number; set "port" in meshtune.dev/warmup',
    ],
    [
      "an env reference it cannot resolve",
      ["m", "--port", "$(NOWHERE)"],
      '--port is "$(NOWHERE)", which meshtune cannot read at admission; set "port" in meshtune.dev/warmup',
    ],
  ])("warns and adds no hook for vLLM with %s and no probe to follow", (_, args, problem) => {
    const pod = withContainer("vllm-deployment", (container) => {
      container.args = args;
      delete container.readinessProbe;
    });
    expect(warmed(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(`no warmup for container "vllm": ${problem}`);
  });

  it("does not repeat a bad PORT or OLLAMA_HOST value in the warning", () => {
    const tgi = withContainer(
      "tgi-statefulset",
      (c) => void (c.env = [{ name: "PORT", value: "p0rt" }]),
    );
    expect(warmed(tgi)).toBeUndefined();
    expect(warnings(tgi)).toContain(
      'no warmup for container "tgi": its PORT env is not a port number; set "port" in meshtune.dev/warmup',
    );
    const ollama = withContainer("ollama-deployment", (c) => {
      c.env = [{ name: "OLLAMA_HOST", value: "10.0.0.1:p0rt" }];
    });
    // Ollama itself falls back to 11434 for a port it cannot parse (envconfig.Host).
    expect(warmed(ollama)?.url).toBe("http://10.0.0.1:11434");
    expect(warnings(ollama).join("\n")).not.toContain("p0rt");
  });

  it("does not repeat an env value that --port $(NAME) expands to", () => {
    const vllm = withContainer("vllm-deployment", (c) => {
      c.args = ["meta-llama/Meta-Llama-3-8B-Instruct", "--port", "$(VLLM_PORT)"];
      c.env = [{ name: "VLLM_PORT", value: "s3cr3t-value" }];
      delete c.readinessProbe;
    });
    expect(warmed(vllm)).toBeUndefined();
    expect(warnings(vllm)).toContain(
      'no warmup for container "vllm": --port $(VLLM_PORT): its VLLM_PORT env is not a port number; set "port" in meshtune.dev/warmup',
    );
    expect(warnings(vllm).join("\n")).not.toContain("s3cr3t");
  });

  it("lets a meshtune.dev/warmup port stand in for a port meshtune cannot read", () => {
    const pod = withContainer(
      "vllm-deployment",
      (container) => void (container.args = ["m", "--port", "$(P)"]),
    );
    pod.metadata!.annotations = { "meshtune.dev/warmup": '{"port":8123}' };
    expect(warmed(pod)?.port).toBe("8123");
  });

  it("needs a port and a health path for a container meshtune does not recognise", () => {
    const pod = withAnnotations("reranker-warmup-pod", { "meshtune.dev/warmup": '{"port":9000}' });
    expect(warmed(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(
      'no warmup for container "reranker": it is no model server meshtune knows, so meshtune.dev/warmup must give "port" and "health"',
    );
  });

  it("warns when meshtune.dev/warmup-container names no container", () => {
    const pod = withAnnotations("vllm-deployment", { "meshtune.dev/warmup-container": "vlm" });
    expect(warmed(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(
      'meshtune.dev/warmup-container names no container "vlm" (containers: vllm)',
    );
  });

  it("warns when meshtune.dev/warmup could mean more than one container", () => {
    const pod = withAnnotations("reranker-warmup-pod", {});
    delete pod.metadata!.annotations!["meshtune.dev/warmup-container"];
    expect(warmed(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(
      "meshtune.dev/warmup is ignored: the pod has 2 candidate containers; name one with meshtune.dev/warmup-container",
    );
  });

  it("describes the only container of a pod without a model server", () => {
    const pod = fixturePod("reranker-warmup-pod");
    pod.spec!.containers.pop();
    delete pod.metadata!.annotations!["meshtune.dev/warmup-container"];
    expect(warmed(pod)?.path).toBe("/rerank");
  });

  it("adds no warmup when the profile has warmup off, and says the annotations are ignored", () => {
    const off = parseConfig("profiles: [{ name: plain }]");
    const pod = fixturePod("reranker-warmup-pod");
    const warmupParts = (planned: V1Pod) => ({
      volumes: planned.spec!.volumes,
      containers: planned.spec!.containers.map(({ volumeMounts, lifecycle, startupProbe }) => ({
        volumeMounts,
        postStart: lifecycle?.postStart,
        startupProbe,
      })),
    });
    expect(warmupParts(apply(pod, off))).toEqual(warmupParts(pod));
    expect(warnings(pod, off)).toContain(
      "meshtune.dev/warmup and meshtune.dev/warmup-container ignored: profile plain has warmup off",
    );
    const vllm = fixturePod("vllm-deployment");
    expect(warmupParts(apply(vllm, off))).toEqual(warmupParts(vllm));
  });
});

describe("a pod with more model servers than meshtune warms", () => {
  it("gets hooks for the first eight only, and a note naming some of the rest", () => {
    const pod = fixturePod("vllm-deployment");
    const [server] = pod.spec!.containers;
    pod.spec!.containers = Array.from({ length: 1000 }, (_, index) => ({
      ...server!,
      name: `vllm-${index}`,
    }));
    const tuned = apply(pod);
    const hooked = tuned.spec!.containers.filter((container) => container.lifecycle?.postStart);
    expect(hooked.map((container) => container.name)).toEqual(
      Array.from({ length: MAX_WARMUP_HOOKS }, (_, index) => `vllm-${index}`),
    );
    expect(warnings(pod)).toContain(
      "warmup hooks for the first 8 model servers only; 992 more (vllm-8, vllm-9, vllm-10, ...) get none",
    );
  });
});
