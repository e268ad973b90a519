import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
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

/** Runs the planned hook against a server that is up, and waits until the warmup is over. */
async function warm(
  pod: (port: number) => V1Pod,
  routes: Record<string, Route>,
  options: { shell?: Shell; client?: Client; portArgument?: boolean } = {},
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
  const hook = await runExec(argv, shell, { PATH: toolbox(shell, options.client ?? "curl") });
  expect(hook).toMatchObject({ code: 0, output: "" });
  const marker = join(directory, "ready");
  await waitFor("the warmup marker", () => existsSync(marker));
  await waitFor("the warmup to exit", () => !groupAlive(hook.group));
  return { marker: readFileSync(marker, "utf8"), log: readLog(directory) };
}

function setArgs(name: string, args: (port: number) => string[]): (port: number) => V1Pod {
  return (port) => {
    const pod = fixturePod(name);
    pod.spec!.containers[0]!.args = args(port);
    return pod;
  };
}

function setEnv(name: string, variable: string, value: (port: number) => string) {
  return (port: number) => {
    const pod = fixturePod(name);
    const container = pod.spec!.containers[0]!;
    container.env = [...(container.env ?? []), { name: variable, value: value(port) }];
    return pod;
  };
}

const HEALTH_ONLY = "done: healthy; no warm request configured\n";
const WARMED = "done: the warm request answered 200\n";

interface Row {
  server: string;
  pod: (port: number) => V1Pod;
  routes: Record<string, Route>;
  requests: string[];
  body?: string;
  marker: string;
  /** The port is fixed (TorchServe 8080), so the test points the hook at its own. */
  portArgument?: boolean;
}

const ROWS: Row[] = [
  {
    server: "TGI, port from the PORT env",
    pod: setEnv("tgi-statefulset", "PORT", String),
    routes: { "/health": { statuses: [503, 200] }, "/generate": { statuses: [200] } },
    requests: ["GET /health", "GET /health", "POST /generate"],
    body: '{"inputs":"warmup","parameters":{"max_new_tokens":1}}',
    marker: WARMED,
  },
  {
    server: "SGLang, port from --port",
    pod: setArgs("sglang-pod", (port) => [
      "--model-path",
      "Qwen/Qwen2.5-7B-Instruct",
      "--port",
      String(port),
    ]),
    routes: { "/health": { statuses: [503, 200] }, "/generate": { statuses: [200] } },
    requests: ["GET /health", "GET /health", "POST /generate"],
    body: '{"text":"warmup","sampling_params":{"max_new_tokens":1}}',
    marker: WARMED,
  },
  {
    server: "Triton, port from --http-port",
    pod: setArgs("triton-deployment", (port) => [
      "--model-repository=/models",
      `--http-port=${port}`,
    ]),
    routes: { "/v2/health/ready": { statuses: [503, 200] } },
    requests: ["GET /v2/health/ready", "GET /v2/health/ready"],
    marker: HEALTH_ONLY,
  },
  {
    server: "TorchServe, on its fixed port",
    pod: () => fixturePod("torchserve-deployment"),
    routes: { "/ping": { statuses: [200] } },
    requests: ["GET /ping"],
    marker: HEALTH_ONLY,
    portArgument: true,
  },
  {
    server: "Ollama, port from OLLAMA_HOST, model from meshtune.dev/warmup-model",
    pod: setEnv("ollama-deployment", "OLLAMA_HOST", (port) => `0.0.0.0:${port}`),
    routes: { "/api/version": { statuses: [200] }, "/api/generate": { statuses: [200] } },
    requests: ["GET /api/version", "POST /api/generate"],
    body: '{"model":"llama3.2","keep_alive":-1}',
    marker: WARMED,
  },
  {
    server: "KServe, port from --http_port",
    pod: setArgs("kserve-predictor-pod", (port) => [
      "--model_name=sklearn-iris",
      `--http_port=${port}`,
    ]),
    routes: { "/v2/health/live": { statuses: [200] } },
    requests: ["GET /v2/health/live"],
    marker: HEALTH_ONLY,
  },
  {
    server: "any container described by meshtune.dev/warmup",
    pod: () => fixturePod("reranker-warmup-pod"),
    routes: { "/healthz": { statuses: [503, 200] }, "/rerank": { statuses: [200] } },
    requests: ["GET /healthz", "GET /healthz", "POST /rerank"],
    body: '{"query":"warmup","documents":["warm"]}',
    marker: WARMED,
    portArgument: true,
  },
];

describe("warming each model server on its own endpoints", () => {
  it.each(ROWS)("warms $server", async (row) => {
    const { marker } = await warm(row.pod, row.routes, row);
    expect(server!.requestLines()).toEqual(row.requests);
    expect(marker).toBe(row.marker);
    const post = server!.arrivals.find(({ method }) => method === "POST");
    expect(post?.body.toString()).toBe(row.body);
    if (post) expect(post.headers["content-type"]).toBe("application/json");
  });

  it("sends the headers meshtune.dev/warmup gives", async () => {
    await warm(() => fixturePod("reranker-warmup-pod"), ROWS.at(-1)!.routes, {
      portArgument: true,
    });
    expect(server!.arrivals.at(-1)!.headers["x-warmup"]).toBe("meshtune");
  });
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
