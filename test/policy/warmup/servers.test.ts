import type { V1Container, V1EnvVar, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load.js";
import { mutatePod } from "../../../src/engine.js";
import { planPod } from "../../../src/policy/planner.js";
import { hookArgumentIndex, type HookArgument } from "../../../src/policy/warmup/script.js";
import { applied } from "../../apply-patch.js";
import { fixturePod } from "../../fixtures/load.js";
import { told } from "../told.js";

// How each server's own settings decide where the hook connects: read as the server reads them.

const config = loadConfig();
const target = { namespace: "inference" };

function hook(pod: V1Pod): Partial<Record<HookArgument, string>> | undefined {
  const command = applied(pod, mutatePod(pod, target, config).patch).spec!.containers[0]!.lifecycle
    ?.postStart?.exec?.command;
  if (command === undefined) return undefined;
  const names: HookArgument[] = ["url", "health", "auth", "mode", "path"];
  return Object.fromEntries(names.map((name) => [name, command[hookArgumentIndex(name)]]));
}

function warnings(pod: V1Pod): string[] {
  return told(planPod(pod, target, config));
}

/** A fixture's first container, changed; the fixture's own probes go unless `keepProbes`. */
function changed(
  fixture: string,
  change: Partial<V1Container> & { extraEnv?: V1EnvVar[] },
  keepProbes = false,
): V1Pod {
  const pod = fixturePod(fixture);
  const container = pod.spec!.containers[0]!;
  if (!keepProbes) {
    for (const probe of ["readinessProbe", "startupProbe", "livenessProbe"] as const) {
      delete container[probe];
    }
  }
  const { extraEnv, ...fields } = change;
  Object.assign(container, fields);
  if (extraEnv) container.env = [...(container.env ?? []), ...extraEnv];
  return pod;
}

const env = (values: Record<string, string>): V1EnvVar[] =>
  Object.entries(values).map(([name, value]) => ({ name, value }));
const secretEnv = (name: string): V1EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: "s", key: "k" } },
});

describe("vLLM", () => {
  it.each([
    ["--port 9000", ["m", "--port", "9000"], "http://127.0.0.1:9000"],
    ["--port=9001", ["m", "--port=9001"], "http://127.0.0.1:9001"],
    ["the last --port", ["m", "--port", "1", "--port", "9002"], "http://127.0.0.1:9002"],
    ["--host 0.0.0.0, which loopback reaches", ["m", "--host", "0.0.0.0"], "http://127.0.0.1:8000"],
    ["--host 10.1.2.3, one address", ["m", "--host", "10.1.2.3"], "http://10.1.2.3:8000"],
    ["--host fd00::7", ["m", "--host", "fd00::7", "--port", "8001"], "http://[fd00::7]:8001"],
    ["--ssl-certfile, HTTPS", ["m", "--ssl-certfile", "/tls/tls.crt"], "https://127.0.0.1:8000"],
    [
      "--ssl_certfile, as FlexibleArgumentParser reads it",
      ["m", "--ssl_certfile=/t"],
      "https://127.0.0.1:8000",
    ],
  ])("connects as it listens with %s", (_, args, url) => {
    expect(hook(changed("vllm-deployment", { args }))?.url).toBe(url);
  });

  it("reads --port $(NAME) from the container's env as the kubelet expands it", () => {
    const pod = changed("vllm-deployment", {
      args: ["m", "--port", "$(P)"],
      env: env({ P: "9003" }),
    });
    expect(hook(pod)?.url).toBe("http://127.0.0.1:9003");
  });

  it.each([
    ["--api-key $(NAME)", ["m", "--api-key", "$(VLLM_KEY)"], "$VLLM_KEY", "--api-key $(VLLM_KEY)"],
    ["--api_key=$(NAME)", ["m", "--api_key=$(VLLM_KEY)"], "$VLLM_KEY", "--api-key $(VLLM_KEY)"],
    ["$NAME inside sh -c", ["m", "--api-key", "$VLLM_KEY"], "$VLLM_KEY", "--api-key $(VLLM_KEY)"],
  ])("sends the key of %s by the variable's name, read at run time", (_, args, auth, from) => {
    const pod = changed("vllm-deployment", { args, extraEnv: [secretEnv("VLLM_KEY")] });
    expect(hook(pod)).toMatchObject({ auth, mode: "openai" });
    expect(warnings(pod).join("\n")).toContain(`with the token from ${from}`);
  });

  it("copies no key written out on the command line, waits for health only and says why", () => {
    const pod = changed("vllm-deployment", { args: ["m", "--api-key", "sk-live-0123456789"] });
    const planned = applied(pod, mutatePod(pod, target, config).patch);
    expect(JSON.stringify(planned.spec!.containers[0]!.lifecycle)).not.toContain("sk-live");
    expect(hook(pod)).toMatchObject({ auth: "", mode: "health" });
    expect(warnings(pod)).toContain(
      'warmup of container "vllm": its --api-key is written out on the command line, and meshtune copies no key into the pod spec: the warmup waits for health only (give the key as --api-key $(NAME) from a Secret env)',
    );
    expect(warnings(pod).join("\n")).not.toContain("sk-live");
  });

  it.each([
    ["--headless", ["m", "--headless"], "it runs with --headless, so no API server listens"],
    [
      "--api-server-count 0",
      ["m", "--api-server-count", "0"],
      "its --api-server-count is 0, so no API server listens",
    ],
    ["-asc 0", ["m", "-asc", "0"], "its --api-server-count is 0, so no API server listens"],
    [
      "--uds",
      ["m", "--uds", "/tmp/v.sock"],
      "it serves on the Unix socket --uds, not on a TCP port",
    ],
    ["--grpc", ["m", "--grpc"], "it serves gRPC (--grpc), not HTTP"],
    [
      "--host $(POD_IP)",
      ["m", "--host", "$(POD_IP)"],
      '--host is "$(POD_IP)", which meshtune cannot read at admission',
    ],
  ])("adds no hook with %s, where nothing answers it on loopback", (_, args, problem) => {
    const pod = changed(
      "vllm-deployment",
      {
        args,
        extraEnv: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
      },
      true,
    );
    expect(hook(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(`no warmup for container "vllm": ${problem}`);
  });

  it("adds no hook for --config FILE unless the container's probe says where it listens", () => {
    const args = ["--config", "/etc/vllm/config.yaml"];
    const bare = changed("vllm-deployment", { args });
    expect(hook(bare)).toBeUndefined();
    expect(warnings(bare)).toContain(
      'no warmup for container "vllm": it reads its flags from --config FILE, which meshtune cannot read; set "port" in meshtune.dev/warmup',
    );
    const probed = changed("vllm-deployment", { args }, true);
    expect(hook(probed)).toMatchObject({ url: "http://127.0.0.1:8000", health: "/health" });
    expect(warnings(probed)).toContain(
      'warmup of container "vllm": it reads its flags from --config FILE, which meshtune cannot read, so the warmup follows its readinessProbe',
    );
  });

  it.each([
    "vllm/vllm-openai-cpu:v0.11.0",
    "rocm/vllm:rocm6.4.1_vllm_0.10.1",
    "ghcr.io/llm-d/llm-d-cuda:v0.9.0",
  ])("warms the image %s run with args only", (image) => {
    expect(hook(changed("vllm-deployment", { image }))?.mode).toBe("openai");
  });

  it("adds no hook to the vLLM image running something else", () => {
    const pod = changed("vllm-deployment", {
      command: ["ray", "start", "--block", "--address=$(RAY)"],
    });
    expect(hook(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(
      'no warmup for container "vllm": it runs ray start, not the vLLM server',
    );
  });
});

describe("TGI", () => {
  it.each([
    ["-p 8080", ["--model-id", "m", "-p", "8080"], "http://127.0.0.1:8080"],
    ["-p8081", ["--model-id", "m", "-p8081"], "http://127.0.0.1:8081"],
    ["--port=8082", ["--model-id", "m", "--port=8082"], "http://127.0.0.1:8082"],
    ["--hostname 10.2.3.4", ["--model-id", "m", "--hostname", "10.2.3.4"], "http://10.2.3.4:80"],
    // router/src/server.rs:1906-1911: what does not parse as an IP binds 0.0.0.0.
    ["--hostname of a name", ["--model-id", "m", "--hostname", "tgi-0"], "http://127.0.0.1:80"],
  ])("connects as it listens with %s", (_, args, url) => {
    expect(hook(changed("tgi-statefulset", { args }))?.url).toBe(url);
  });

  it("reads --port before the PORT env, and the PORT env before the image's 80", () => {
    const both = changed("tgi-statefulset", {
      args: ["--port", "3000"],
      env: env({ PORT: "8080" }),
    });
    expect(hook(both)?.url).toBe("http://127.0.0.1:3000");
    expect(hook(changed("tgi-statefulset", { env: env({ PORT: "8080" }) }))?.url).toBe(
      "http://127.0.0.1:8080",
    );
  });

  it("sends the key of API_KEY, or of --api-key $(NAME)", () => {
    const fromEnv = changed("tgi-statefulset", { extraEnv: [secretEnv("API_KEY")] });
    expect(hook(fromEnv)?.auth).toBe("$API_KEY");
    expect(warnings(fromEnv).join("\n")).toContain("with the token from API_KEY");
    const fromFlag = changed("tgi-statefulset", { args: ["--api-key", "$(TGI_KEY)"] });
    expect(hook(fromFlag)?.auth).toBe("$TGI_KEY");
  });

  it.each([
    "ghcr.io/huggingface/tgi-gaudi:2.3.1",
    "ghcr.io/huggingface/neuronx-tgi:0.0.25",
    "ghcr.io/huggingface/text-generation-inference:3.3.4-intel-xpu",
  ])("warms the TGI image %s", (image) => {
    expect(hook(changed("tgi-statefulset", { image }))?.path).toBe("/generate");
  });

  it("reads AIP_HTTP_PORT before --port in Google's images, as the google feature does", () => {
    const pod = changed("tgi-google-deployment", { args: ["--port", "9000"] });
    expect(hook(pod)?.url).toBe("http://127.0.0.1:8000");
    const noAip = changed("tgi-google-deployment", { env: [] });
    expect(hook(noAip)?.url).toBe("http://127.0.0.1:8080");
  });
});

describe("SGLang", () => {
  it("waits for its health only: that health runs a one-token generation", () => {
    expect(hook(fixturePod("sglang-serve-deployment"))).toMatchObject({
      mode: "health",
      health: "/health",
    });
  });

  it.each([
    ["--grpc-mode", ["--model-path", "m", "--grpc-mode"], "it serves gRPC (--grpc-mode), not HTTP"],
    [
      "--config",
      ["--config", "/etc/sglang.yaml"],
      'it reads its flags from --config FILE, which meshtune cannot read; set "port" in meshtune.dev/warmup',
    ],
  ])("adds no hook with %s", (_, args, problem) => {
    const pod = changed("sglang-pod", { args });
    expect(hook(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(`no warmup for container "sglang": ${problem}`);
  });

  it("talks HTTPS with --ssl-certfile", () => {
    const pod = changed("sglang-pod", { args: ["--model-path", "m", "--ssl-certfile", "/t.crt"] });
    expect(hook(pod)?.url).toBe("https://127.0.0.1:30000");
  });
});

describe("Triton", () => {
  it("connects to --http-address when it binds one", () => {
    const pod = changed("triton-deployment", {
      args: ["--http-address=10.9.8.7", "--http-port=8100"],
    });
    expect(hook(pod)?.url).toBe("http://10.9.8.7:8100");
  });

  it.each([
    [
      "--allow-http=false",
      ["--model-repository=/m", "--allow-http=false"],
      "it runs with --allow-http=false",
    ],
    [
      "health restricted to a header",
      ["--model-repository=/m", "--http-restricted-api=model-repository,health:X-Admin=1"],
      "its --http-restricted-api restricts health, which answers 403 without the header",
    ],
  ])("adds no hook with %s", (_, args, problem) => {
    const pod = changed("triton-deployment", { args });
    expect(hook(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(`no warmup for container "triton": ${problem}`);
  });

  it("still warms with only other APIs restricted", () => {
    const args = ["--model-repository=/m", "--http-restricted-api=model-repository:X-Admin=1"];
    expect(hook(changed("triton-deployment", { args }))?.health).toBe("/v2/health/ready");
  });
});

describe("TorchServe", () => {
  it("reads the token from key_file.json unless token auth is off", () => {
    const on = changed("torchserve-deployment", {
      args: ["torchserve", "--start", "--model-store", "/m"],
    });
    expect(hook(on)?.auth).toBe("@key_file.json");
    expect(warnings(on).join("\n")).toContain(
      "GET /ping on port 8080, health only, with the token from key_file.json",
    );
    expect(hook(fixturePod("torchserve-deployment"))?.auth).toBe("");
    // The official image's `serve` passes --disable-token-auth (docker/dockerd-entrypoint.sh:7).
    expect(hook(changed("torchserve-deployment", { args: ["serve"] }))?.auth).toBe("");
  });

  it("still reads key_file.json with TS_DISABLE_TOKEN_AUTHORIZATION, which needs enable_envvars_config", () => {
    // ConfigManager.java:295-298: TS_* env is read only with enable_envvars_config=true; with
    // token auth off TorchServe writes no key file and checks no header, so reading is harmless.
    const pod = changed("torchserve-deployment", {
      args: ["torchserve", "--start"],
      extraEnv: env({ TS_DISABLE_TOKEN_AUTHORIZATION: "true" }),
    });
    expect(hook(pod)?.auth).toBe("@key_file.json");
    expect(warnings(pod).join("\n")).not.toContain("key_file.json");
  });

  it.each([
    ["http://0.0.0.0:8085", "http://127.0.0.1:8085"],
    ["https://0.0.0.0:8443", "https://127.0.0.1:8443"],
    // Connector.java:93-103: no port means 80, or 443 for https.
    ["http://127.0.0.1", "http://127.0.0.1:80"],
    ["http://10.4.5.6:8080", "http://10.4.5.6:8080"],
  ])("connects to TS_INFERENCE_ADDRESS=%s", (address, url) => {
    const pod = changed("torchserve-deployment", {
      extraEnv: env({ TS_INFERENCE_ADDRESS: address }),
    });
    expect(hook(pod)?.url).toBe(url);
  });

  it("adds no hook for a Unix socket address or an address from a Secret", () => {
    const unix = changed("torchserve-deployment", {
      extraEnv: env({ TS_INFERENCE_ADDRESS: "unix:/tmp/ts.sock" }),
    });
    expect(hook(unix)).toBeUndefined();
    expect(warnings(unix)).toContain(
      'no warmup for container "torchserve": its TS_INFERENCE_ADDRESS is no http(s)://host:port address on TCP; set "port" in meshtune.dev/warmup',
    );
    expect(
      hook(changed("torchserve-deployment", { extraEnv: [secretEnv("TS_INFERENCE_ADDRESS")] })),
    ).toBeUndefined();
  });

  it("follows a meshtune.dev/warmup port for a config file it cannot read, token and all", () => {
    const pod = fixturePod("torchserve-chart-deployment");
    pod.metadata!.annotations = { "meshtune.dev/warmup": '{"port":8080}' };
    expect(hook(pod)).toMatchObject({
      url: "http://127.0.0.1:8080",
      health: "/ping",
      auth: "@key_file.json",
    });
  });
});

describe("Ollama, as envconfig.Host() reads OLLAMA_HOST", () => {
  it.each([
    ["0.0.0.0", "http://127.0.0.1:11434"],
    ["0.0.0.0:11500", "http://127.0.0.1:11500"],
    ["http://0.0.0.0:11501", "http://127.0.0.1:11501"],
    ["[::]:11502", "http://127.0.0.1:11502"],
    [":11503", "http://127.0.0.1:11503"],
    ["http://0.0.0.0", "http://127.0.0.1:80"],
    ["https://0.0.0.0", "http://127.0.0.1:443"],
    [' "0.0.0.0:11504" ', "http://127.0.0.1:11504"],
    ["0.0.0.0:99999", "http://127.0.0.1:11434"],
    ["10.7.7.7:11434", "http://10.7.7.7:11434"],
    ["[fd00::1]:11505", "http://[fd00::1]:11505"],
    ["tcp://0.0.0.0", "http://127.0.0.1:11434"],
  ])("connects for OLLAMA_HOST=%j", (host, url) => {
    expect(hook(changed("ollama-deployment", { env: env({ OLLAMA_HOST: host }) }))?.url).toBe(url);
  });

  it.each([
    ["0.0.0.0:0", "its OLLAMA_HOST asks for port 0, which the system picks"],
    ["ollama.com", 'its OLLAMA_HOST is "ollama.com", not a local server'],
    ["a b:11434", "it binds an address meshtune cannot connect to"],
  ])("adds no hook for OLLAMA_HOST=%s", (host, problem) => {
    const pod = changed("ollama-deployment", { env: env({ OLLAMA_HOST: host }) });
    expect(hook(pod)).toBeUndefined();
    expect(warnings(pod)).toContain(
      `no warmup for container "ollama": ${problem}; set "port" in meshtune.dev/warmup`,
    );
  });
});

describe("NVIDIA NIM", () => {
  it("connects to NIM_SERVER_PORT, and checks health on NIM_HEALTH_PORT when it moves there", () => {
    const pod = changed("nim-operator-deployment", {
      env: env({ NIM_SERVER_PORT: "9000", NIM_HEALTH_PORT: "9001" }),
    });
    expect(hook(pod)).toMatchObject({
      url: "http://127.0.0.1:9000",
      health: "http://127.0.0.1:9001/v1/health/ready",
    });
    expect(warnings(pod).join("\n")).toContain(
      "GET /v1/health/ready on port 9001, then POST /v1/completions on port 9000",
    );
  });

  it("talks HTTPS with NIM_SSL_MODE=TLS, and adds no hook for MTLS", () => {
    expect(
      hook(changed("nim-operator-deployment", { env: env({ NIM_SSL_MODE: "TLS" }) }))?.url,
    ).toBe("https://127.0.0.1:8000");
    const mtls = changed("nim-operator-deployment", { env: env({ NIM_SSL_MODE: "MTLS" }) });
    expect(hook(mtls)).toBeUndefined();
    expect(warnings(mtls)).toContain(
      'no warmup for container "meta-llama3-8b-instruct": its NIM_SSL_MODE is MTLS, and the warmup has no client certificate',
    );
  });

  it("recognises any image under nvcr.io/nim", () => {
    expect(
      hook(
        changed("nim-operator-deployment", { image: "nvcr.io/nim/nvidia/nv-embedqa-e5-v5:1.6.0" }),
      )?.mode,
    ).toBe("openai");
  });
});

describe("llama.cpp's server", () => {
  it("reads LLAMA_ARG_PORT and --api-prefix, and talks HTTPS with --ssl-cert-file", () => {
    const pod = changed("llamacpp-deployment", {
      args: ["-m", "/m.gguf", "--api-prefix", "/llama", "--ssl-cert-file", "/c.pem"],
      extraEnv: env({ LLAMA_ARG_PORT: "8181" }),
    });
    expect(hook(pod)).toMatchObject({
      url: "https://127.0.0.1:8181",
      health: "/llama/health",
      path: "/llama/completion",
    });
  });

  it("adds no hook when it listens on a Unix socket", () => {
    const pod = changed("llamacpp-deployment", {
      args: ["-m", "/m.gguf", "--host", "/run/llama.sock"],
    });
    expect(hook(pod)).toBeUndefined();
  });
});

describe("KServe", () => {
  it("checks the readiness of the model it serves, under --served-model-name with vLLM", () => {
    const pod = changed("kserve-huggingface-pod", {
      args: ["--model_name=llama3", "--model_id=m", "--served-model-name", "llama-3-8b"],
    });
    expect(hook(pod)?.health).toBe("/v1/models/llama-3-8b");
  });

  it("follows KSERVE_OPENAI_ROUTE_PREFIX for the completion", () => {
    const bare = changed("kserve-huggingface-pod", {
      extraEnv: env({ KSERVE_OPENAI_ROUTE_PREFIX: "" }),
    });
    expect(hook(bare)?.path).toBe("/v1/completions");
    const other = changed("kserve-huggingface-pod", {
      extraEnv: env({ KSERVE_OPENAI_ROUTE_PREFIX: "llm" }),
    });
    expect(hook(other)?.path).toBe("/llm/v1/completions");
  });

  it('names the model "model" when no --model_name is given, as KServe does', () => {
    expect(
      hook(changed("kserve-predictor-pod", { args: ["--model_dir=/mnt/models"] }))?.health,
    ).toBe("/v1/models/model");
  });
});

describe("the container's own probe", () => {
  it("lends its port, path and scheme when it checks the server's own port", () => {
    const pod = changed(
      "vllm-deployment",
      { readinessProbe: { httpGet: { path: "/v1/models", port: "http", scheme: "HTTPS" } } },
      false,
    );
    expect(hook(pod)).toMatchObject({ url: "https://127.0.0.1:8000", health: "/v1/models" });
  });

  it("checks health on its own port when that is another one", () => {
    const pod = changed("vllm-deployment", {
      livenessProbe: { httpGet: { path: "/ok", port: 9100 } },
    });
    expect(hook(pod)).toMatchObject({
      url: "http://127.0.0.1:8000",
      health: "http://127.0.0.1:9100/ok",
    });
  });

  it("is followed readiness first, then startup, then liveness", () => {
    const pod = changed("vllm-deployment", {
      livenessProbe: { httpGet: { path: "/live", port: 8000 } },
      startupProbe: { httpGet: { path: "/start", port: 8000 } },
      readinessProbe: { httpGet: { path: "/ready", port: 8000 } },
    });
    expect(hook(pod)?.health).toBe("/ready");
  });

  it.each([
    ["a probe of another host", { httpGet: { path: "/h", port: 8000, host: "10.0.0.9" } }],
    ["a port name the container does not have", { httpGet: { path: "/h", port: "metrics" } }],
    ["a path that is no URL path", { httpGet: { path: "/h x\r\nX: y", port: 8000 } }],
    ["a tcpSocket probe", { tcpSocket: { port: 8000 } }],
    // A manifest's empty `httpGet:`, which the pod's shape check lets through as none.
    ["an empty httpGet", { httpGet: null as never }],
  ])("is not followed when it is %s", (_, readinessProbe) => {
    expect(hook(changed("vllm-deployment", { readinessProbe }))?.health).toBe("/health");
  });
});
