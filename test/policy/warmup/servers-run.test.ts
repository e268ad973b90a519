import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { fixturePod } from "../../fixtures/load.js";
import {
  CLIENTS,
  forTest,
  groupAlive,
  plannedPod,
  postStartCommand,
  readLog,
  removeTemporaryDirectories,
  runExec,
  SHELLS,
  temporaryDirectory,
  toolbox,
  waitFor,
  warmupDirectory,
  type Client,
  type Shell,
} from "./hook-runner.js";
import { PlayedModelServer, type Route } from "./model-server.js";

let server: PlayedModelServer | undefined;
afterAll(removeTemporaryDirectories);
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

interface WarmOptions {
  shell?: Shell;
  client?: Client;
  /** The server's port is fixed (KServe's TorchServe 8080): point the hook at the test's own. */
  portArgument?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The container's working directory, where TorchServe writes its key file. */
  cwd?: string;
}

/** Runs the planned hook against a server that is up, and waits until the warmup is over. */
async function warm(
  pod: (port: number) => V1Pod,
  routes: Record<string, Route>,
  options: WarmOptions = {},
): Promise<{ marker: string; log: string }> {
  server = new PlayedModelServer(routes);
  await server.start();
  const directory = warmupDirectory();
  const shell = options.shell ?? "dash";
  const argv = forTest(postStartCommand(plannedPod(pod(server.port))), {
    directory,
    limitSeconds: 20,
    pauseSeconds: 0.05,
    ...(options.portArgument && { port: server.port }),
  });
  const env = { PATH: toolbox(shell, options.client ?? "curl"), ...options.env };
  const hook = await runExec(argv, shell, env, options.cwd);
  expect(hook).toMatchObject({ code: 0, output: "" });
  const marker = join(directory, "ready");
  await waitFor("the warmup marker", () => existsSync(marker));
  await waitFor("the warmup to exit", () => !groupAlive(hook.group));
  return { marker: readFileSync(marker, "utf8"), log: readLog(directory) };
}

/** The fixture's first container, changed for the test's port. */
function changed(name: string, change: (container: V1Container, port: number) => void) {
  return (port: number) => {
    const pod = fixturePod(name);
    change(pod.spec!.containers[0]!, port);
    return pod;
  };
}

const withEnv = (values: Record<string, string>) => (container: V1Container) => {
  container.env = [
    ...(container.env ?? []),
    ...Object.entries(values).map(([name, value]) => ({ name, value })),
  ];
};

function probesOn(container: V1Container, port: number): void {
  for (const probe of [container.readinessProbe, container.startupProbe, container.livenessProbe]) {
    if (probe?.httpGet) probe.httpGet.port = port;
  }
}

const HEALTH_ONLY = "done: healthy; no warm request configured\n";
const WARMED = "done: the warm request answered 200\n";
const KEY = "sk-stand-in-4c1f";
const MODELS = (id: string) => JSON.stringify({ object: "list", data: [{ id, object: "model" }] });

interface Row {
  server: string;
  pod: (port: number) => V1Pod;
  routes: Record<string, Route>;
  requests: string[];
  body?: string;
  marker: string;
  options?: WarmOptions;
  /** The Authorization header every request carries. */
  authorization?: string;
}

// Each stand-in answers as the real server does, per the source lines cited on its routes.
const ROWS: Row[] = [
  {
    server: "vLLM from the production-stack chart, with VLLM_API_KEY",
    pod: changed("vllm-production-stack-deployment", (container, port) => {
      container.command = [
        "vllm",
        "serve",
        "meta-llama/Llama-3.1-8B-Instruct",
        "--port",
        String(port),
      ];
      probesOn(container, port);
    }),
    routes: {
      // vllm/entrypoints/serve/instrumentator/health.py:22-33: 200 once the server listens at all.
      "/health": { statuses: [200] },
      // The served names (--served-model-name, else the model), in chunks.
      "/v1/models": {
        statuses: [200],
        body: MODELS("meta-llama/Llama-3.1-8B-Instruct"),
        chunked: true,
      },
      "/v1/completions": { statuses: [200] },
    },
    requests: ["GET /health", "GET /v1/models", "POST /v1/completions"],
    body: '{"model":"meta-llama/Llama-3.1-8B-Instruct","prompt":"warmup","max_tokens":1}',
    marker: WARMED,
    options: { env: { VLLM_API_KEY: KEY } },
    authorization: `Bearer ${KEY}`,
  },
  {
    server: "TGI, port from the PORT env",
    pod: changed("tgi-statefulset", (container, port) =>
      withEnv({ PORT: String(port) })(container),
    ),
    // router/src/server.rs:229-240: /health is 503 until a dummy batch passes, then 200.
    routes: { "/health": { statuses: [503, 200] }, "/generate": { statuses: [200] } },
    requests: ["GET /health", "GET /health", "POST /generate"],
    body: '{"inputs":"warmup","parameters":{"max_new_tokens":1}}',
    marker: WARMED,
  },
  {
    server: "TGI in Google's DLC, port from AIP_HTTP_PORT",
    pod: changed("tgi-google-deployment", (container, port) => {
      container.env = [{ name: "AIP_HTTP_PORT", value: String(port) }];
    }),
    routes: { "/health": { statuses: [200] }, "/generate": { statuses: [200] } },
    requests: ["GET /health", "POST /generate"],
    body: '{"inputs":"warmup","parameters":{"max_new_tokens":1}}',
    marker: WARMED,
  },
  {
    server: "SGLang started as sglang serve, health only",
    pod: changed("sglang-serve-deployment", (container, port) => {
      container.args = [
        "--model-path",
        "m",
        "--port",
        String(port),
        "--api-key",
        "$(SGLANG_API_KEY)",
      ];
      probesOn(container, port);
    }),
    // python/sglang/srt/entrypoints/http_server.py, health_generate: 503 while the server is
    // Starting (its own warmup), then a one-token generation per call.
    routes: { "/health": { statuses: [503, 503, 200] } },
    requests: ["GET /health", "GET /health", "GET /health"],
    marker: HEALTH_ONLY,
    options: { env: { SGLANG_API_KEY: KEY } },
    authorization: `Bearer ${KEY}`,
  },
  {
    server: "Triton, port from --http-port",
    pod: changed("triton-deployment", (container, port) => {
      container.args = ["--model-repository=/models", `--http-port=${port}`];
    }),
    // src/http_server.cc:1415-1430: /v2/health/ready is 200 once every model is ready.
    routes: { "/v2/health/ready": { statuses: [503, 200] } },
    requests: ["GET /v2/health/ready", "GET /v2/health/ready"],
    marker: HEALTH_ONLY,
  },
  {
    server: "TorchServe with its default token auth, reading key_file.json",
    pod: changed("torchserve-deployment", (container, port) => {
      container.args = ["torchserve", "--start", "--model-store", "/m"];
      withEnv({ TS_INFERENCE_ADDRESS: `http://0.0.0.0:${port}` })(container);
    }),
    routes: {
      // InferenceRequestHandler.java:68-78: 500 until every model has its workers, then 200;
      // TokenAuthorizationHandler.java:67-79 and HttpRequestHandler.java:52-54: 400 without the
      // inference key.
      "/ping": {
        statuses: [500, 200],
        authorization: { value: () => `Bearer ${KEY}`, otherwise: 400 },
      },
    },
    requests: ["GET /ping", "GET /ping"],
    marker: HEALTH_ONLY,
    authorization: `Bearer ${KEY}`,
  },
  {
    server: "KServe's TorchServe runtime, on KServe's port",
    pod: () => fixturePod("kserve-torchserve-pod"),
    // kserve_wrapper/__main__.py:117-129: KServe listens once its models are ready.
    routes: { "/v2/health/ready": { statuses: [200] } },
    requests: ["GET /v2/health/ready"],
    marker: HEALTH_ONLY,
    options: { portArgument: true },
  },
  {
    server: "Ollama from its chart, port from OLLAMA_HOST, model from meshtune.dev/warmup-model",
    pod: changed("ollama-chart-deployment", (container, port) => {
      container.env = [{ name: "OLLAMA_HOST", value: `0.0.0.0:${port}` }];
      container.ports![0]!.containerPort = port;
    }),
    // server/routes.go:1878 ("/" answers "Ollama is running") and :1908 (/api/generate).
    routes: {
      "/": { statuses: [200], body: "Ollama is running" },
      "/api/generate": { statuses: [200] },
    },
    requests: ["GET /", "POST /api/generate"],
    body: '{"model":"llama3.2:3b","keep_alive":-1}',
    marker: WARMED,
  },
  {
    server: "NVIDIA NIM, port from NIM_SERVER_PORT",
    pod: changed("nim-operator-deployment", (container, port) => {
      container.env = [{ name: "NIM_SERVER_PORT", value: String(port) }];
      container.ports![0]!.containerPort = port;
    }),
    // docs.nvidia.com/nim/large-language-models reference/architecture: the proxy answers at once,
    // /v1/health/ready only once the model is; /v1/models and /v1/completions as vLLM's.
    routes: {
      "/v1/health/ready": { statuses: [503, 200] },
      "/v1/models": { statuses: [200], body: MODELS("meta/llama-3.1-8b-instruct") },
      "/v1/completions": { statuses: [200] },
    },
    requests: [
      "GET /v1/health/ready",
      "GET /v1/health/ready",
      "GET /v1/models",
      "POST /v1/completions",
    ],
    body: '{"model":"meta/llama-3.1-8b-instruct","prompt":"warmup","max_tokens":1}',
    marker: WARMED,
  },
  {
    server: "llama.cpp's server, with LLAMA_API_KEY",
    pod: changed("llamacpp-deployment", (container, port) => {
      container.args = ["-m", "/m.gguf", "--port", String(port)];
    }),
    routes: {
      // tools/server/server.cpp middleware_server_state and README "GET /health": 503
      // "Loading model" while it loads, then 200.
      "/health": { statuses: [503, 200], body: '{"error":{"code":503,"message":"Loading model"}}' },
      "/completion": { statuses: [200] },
    },
    requests: ["GET /health", "GET /health", "POST /completion"],
    body: '{"prompt":"warmup","n_predict":1}',
    marker: WARMED,
    options: { env: { LLAMA_API_KEY: KEY } },
    authorization: `Bearer ${KEY}`,
  },
  {
    server: "KServe huggingfaceserver, by its model's readiness",
    pod: changed("kserve-huggingface-pod", (container, port) => {
      container.args = ["--model_name=llama3", `--http_port=${port}`];
    }),
    routes: {
      // dataplane.py:277-330 and vllm_model.py:243-246: the model answers 500 until the engine
      // has loaded (its engine_client does not exist yet), then 200.
      "/v1/models/llama3": { statuses: [500, 200] },
      "/openai/v1/models": { statuses: [200], body: MODELS("llama3") },
      "/openai/v1/completions": { statuses: [200] },
    },
    requests: [
      "GET /v1/models/llama3",
      "GET /v1/models/llama3",
      "GET /openai/v1/models",
      "POST /openai/v1/completions",
    ],
    body: '{"model":"llama3","prompt":"warmup","max_tokens":1}',
    marker: WARMED,
  },
  {
    server: "any container described by meshtune.dev/warmup",
    pod: () => fixturePod("reranker-warmup-pod"),
    routes: { "/healthz": { statuses: [503, 200] }, "/rerank": { statuses: [200] } },
    requests: ["GET /healthz", "GET /healthz", "POST /rerank"],
    body: '{"query":"warmup","documents":["warm"]}',
    marker: WARMED,
    options: { portArgument: true },
  },
];

describe("warming each model server on its own endpoints", () => {
  it.each(ROWS)("warms $server", async (row) => {
    const cwd = temporaryDirectory("workdir");
    // TorchServe writes its key file before it listens (ModelServer.java:90, then :124), into
    // its working directory (TokenAuthorization.java:49), in this shape (:147-170).
    const keys = { management: { key: "m" }, inference: { key: KEY }, API: { key: "a" } };
    writeFileSync(join(cwd, "key_file.json"), JSON.stringify(keys, null, 2));
    const { marker } = await warm(row.pod, row.routes, { cwd, ...row.options });
    expect(server!.requestLines()).toEqual(row.requests);
    expect(marker).toBe(row.marker);
    const post = server!.arrivals.find(({ method }) => method === "POST");
    expect(post?.body.toString()).toBe(row.body);
    if (post) expect(post.headers["content-type"]).toBe("application/json");
    for (const { headers } of server!.arrivals) {
      expect(headers.authorization).toBe(row.authorization);
    }
  });

  it("sends the headers meshtune.dev/warmup gives", async () => {
    await warm(() => fixturePod("reranker-warmup-pod"), ROWS.at(-1)!.routes, {
      portArgument: true,
    });
    expect(server!.arrivals.at(-1)!.headers["x-warmup"]).toBe("meshtune");
  });

  it.each(CLIENTS)(
    "ends at once on TorchServe's 400 without its key, and says so, with %s",
    async (client) => {
      const pod = changed("torchserve-deployment", (container, port) => {
        container.args = ["torchserve", "--start"];
        withEnv({ TS_INFERENCE_ADDRESS: `http://127.0.0.1:${port}` })(container);
      });
      const routes = {
        "/ping": {
          statuses: [200],
          authorization: { value: () => `Bearer ${KEY}`, otherwise: 400 },
        },
      };
      // No key file in its working directory: TorchServe started with another one.
      const { marker } = await warm(pod, routes, { client, cwd: temporaryDirectory("workdir") });
      expect(marker).toBe(
        "done without warmup: GET /ping answered 400, an answer that will not turn healthy (check the port, path and key)\n",
      );
      expect(server!.requestLines()).toEqual(["GET /ping"]);
    },
  );
});

describe.each(SHELLS)("a hostile body and header in %s", (shell) => {
  it.each(CLIENTS)("arrive byte-exact through %s, with nothing executed", async (client) => {
    const canaries = temporaryDirectory("canary");
    const touch = (name: string) => `touch ${join(canaries, name)}`;
    const body =
      `He said "hi" and 'bye' $(${touch("dollar")}) \`${touch("backtick")}\` $HOME \\n\n` +
      `line two; ${touch("semicolon")} && ${touch("and")} | ${touch("pipe")}\n\tünïcödé ✓\n`;
    const header = `$(${touch("header")}) \`${touch("header-backtick")}\` "q" 'q'`;
    const annotation = JSON.stringify({
      port: 1,
      health: "/healthz",
      path: "/predict?q=$(id);'x'&$HOME",
      body,
      headers: { "X-Note": header },
    });
    const pod = (port: number) => {
      const base = fixturePod("reranker-warmup-pod");
      base.metadata!.annotations!["meshtune.dev/warmup"] = annotation.replace(
        '"port":1',
        `"port":${port}`,
      );
      return base;
    };
    const routes = {
      "/healthz": { statuses: [200] },
      "/predict?q=$(id);'x'&$HOME": { statuses: [200] },
    };
    expect((await warm(pod, routes, { shell, client })).marker).toBe(WARMED);
    const arrival = server!.arrivals.at(-1)!;
    expect(arrival.path).toBe("/predict?q=$(id);'x'&$HOME");
    expect(arrival.body.equals(Buffer.from(body, "utf8"))).toBe(true);
    expect(arrival.headers["x-note"]).toBe(header);
    expect(arrival.headers["content-type"]).toBe("text/plain; charset=utf-8");
    for (const name of [
      "dollar",
      "backtick",
      "semicolon",
      "and",
      "pipe",
      "header",
      "header-backtick",
    ]) {
      expect(existsSync(join(canaries, name)), name).toBe(false);
    }
  });
});
