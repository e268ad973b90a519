import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { generateCA, generateServingCert } from "../../../src/certs/generate.js";
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
  startupProbeCommand,
  TLS_CLIENTS,
  toolbox,
  waitFor,
  warmupDirectory,
  type Client,
  type Finished,
  type Shell,
} from "./hook-runner.js";
import { PlayedModelServer, type PlayOptions, type Route } from "./model-server.js";

const API_KEY = "sk-test-0123";
const COMPLETION = '{"model":"served-llama","prompt":"warmup","max_tokens":1}';
const MODELS = JSON.stringify({
  object: "list",
  data: [{ id: "served-llama", object: "model", permission: [{ id: "modelperm-1" }] }],
});

let servers: PlayedModelServer[] = [];
afterAll(removeTemporaryDirectories);
afterEach(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  servers = [];
});

function play(routes: Record<string, Route>, options?: PlayOptions): PlayedModelServer {
  const server = new PlayedModelServer(routes, options);
  servers.push(server);
  return server;
}

function vllmPod(port: number): V1Pod {
  const pod = fixturePod("vllm-deployment");
  const container = pod.spec!.containers[0]!;
  container.args = ["meta-llama/Meta-Llama-3-8B-Instruct", "--port", String(port)];
  container.readinessProbe!.httpGet!.port = port;
  return pod;
}

interface Run {
  directory: string;
  hook: Finished;
  /** Whether the marker existed when the hook had returned. */
  markerWhenHookReturned: boolean;
  arrivalsWhenHookReturned: number;
}

/** Runs the planned postStart hook; the warmup goes on in the background. */
async function runHook(
  command: string[],
  shell: Shell,
  client: Client,
  options: {
    limitSeconds?: number;
    port?: number;
    env?: NodeJS.ProcessEnv;
    server?: PlayedModelServer;
    detach?: boolean;
  } = {},
): Promise<Run> {
  const directory = warmupDirectory();
  writeFileSync(join(directory, "ready"), "stale marker of an earlier start\n");
  const argv = forTest(command, {
    directory,
    limitSeconds: options.limitSeconds ?? 20,
    pauseSeconds: 0.05,
    ...(options.port !== undefined && { port: options.port }),
  });
  const path = toolbox(shell, client, { detach: options.detach ?? false });
  const hook = await runExec(argv, shell, { PATH: path, ...options.env });
  return {
    directory,
    hook,
    markerWhenHookReturned: existsSync(join(directory, "ready")),
    arrivalsWhenHookReturned: options.server?.arrivals.length ?? 0,
  };
}

/** Waits for the marker and for every process the hook started to be gone. */
async function finished(run: Run): Promise<string> {
  await waitFor("the warmup marker", () => existsSync(join(run.directory, "ready")));
  await waitFor("the warmup to exit", () => !groupAlive(run.hook.group));
  return readFileSync(join(run.directory, "ready"), "utf8");
}

/** The sessions of the processes whose argv holds the run's own directory and `name`. */
function sessionsOf(directory: string, name: string): Map<number, number> {
  const sessions = new Map<number, number>();
  for (const entry of readdirSync("/proc").filter((each) => /^\d+$/.test(each))) {
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (!argv.includes(name) || !argv.includes(directory)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [, , , session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      sessions.set(Number(entry), Number(session));
    } catch {
      // gone while we looked
    }
  }
  return sessions;
}

function expectReturnedAtOnce(run: Run): void {
  expect(run.hook).toMatchObject({ code: 0, output: "" });
  expect(run.markerWhenHookReturned).toBe(false);
  expect(run.arrivalsWhenHookReturned).toBe(0);
}

it("runs the hook in dash when it calls /bin/sh", () => {
  expect(realpathSync("/bin/sh")).toMatch(/dash$/);
});

describe.each(SHELLS)("the warmup hook in %s", (shell) => {
  describe.each(CLIENTS)("with only %s", (client) => {
    it("waits through refused connections and a 503, then names the model and warms it once", async () => {
      const server = play({
        "/health": { statuses: [503, 200] },
        // Sent in chunks: the bash client decodes Transfer-Encoding: chunked by hand.
        "/v1/models": { statuses: [200], body: MODELS, chunked: true },
        "/v1/completions": { statuses: [200], body: "{}" },
      });
      const port = await server.reserve();
      const command = postStartCommand(plannedPod(vllmPod(port)));
      const run = await runHook(command, shell, client, {
        // As read from a secret file, with its trailing newline.
        env: { VLLM_API_KEY: `${API_KEY}\n` },
        server,
      });
      expectReturnedAtOnce(run);

      await waitFor("a refused health check", () => readLog(run.directory).includes("no answer"));
      await server.start();
      expect(await finished(run)).toBe("done: the warm request answered 200\n");

      const lines = server.requestLines();
      expect(lines.slice(0, 2)).toEqual(["GET /health", "GET /health"]);
      expect(lines.slice(2)).toEqual(["GET /v1/models", "POST /v1/completions"]);
      const [models, completion] = server.arrivals.slice(2);
      expect(models!.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(completion!.body.toString()).toBe(COMPLETION);
      expect(completion!.headers["content-type"]).toBe("application/json");
      expect(completion!.headers.authorization).toBe(`Bearer ${API_KEY}`);
      const log = readLog(run.directory);
      expect(log).toContain("waiting: GET /health answered 503");
      expect(log).toContain("model id from GET /v1/models: served-llama");
      expect(log).not.toContain(API_KEY);
    });

    it("sends no Authorization header without VLLM_API_KEY, whatever else the env holds", async () => {
      const server = play({
        "/health": { statuses: [200] },
        "/v1/models": { statuses: [200], body: MODELS },
        "/v1/completions": { statuses: [200] },
      });
      await server.start();
      // Container env that happens to share names with the script's own variables.
      const env = { missing: " sleep", has_timeout: "1", body: "x", key: "sk-leaked" };
      const run = await runHook(postStartCommand(plannedPod(vllmPod(server.port))), shell, client, {
        env,
      });
      expect(await finished(run)).toBe("done: the warm request answered 200\n");
      expect(server.requestLines().slice(-2)).toEqual(["GET /v1/models", "POST /v1/completions"]);
      for (const { headers } of server.arrivals) expect(headers.authorization).toBeUndefined();
    });

    it.each([400, 503])(
      "counts a %d answer to the warm request as done, and logs it",
      async (status) => {
        const server = play({
          "/health": { statuses: [200] },
          "/v1/models": { statuses: [200], body: MODELS },
          "/v1/completions": { statuses: [status], body: '{"error":"no"}' },
        });
        await server.start();
        const run = await runHook(
          postStartCommand(plannedPod(vllmPod(server.port))),
          shell,
          client,
        );
        expect(await finished(run)).toBe(
          `done: the warm request answered ${status} (any answer counts as warm)\n`,
        );
        expect(server.requestLines().filter((line) => line.startsWith("POST"))).toHaveLength(1);
      },
    );

    it("ends the wait at once on a 404 from the health path, and says why", async () => {
      const server = play({ "/v1/models": { statuses: [200], body: MODELS } });
      await server.start();
      const command = postStartCommand(plannedPod(vllmPod(server.port)));
      const started = Date.now();
      const run = await runHook(command, shell, client, { limitSeconds: 120 });
      expect(await finished(run)).toBe(
        "done without warmup: GET /health answered 404, an answer that will not turn healthy (check the port, path and key)\n",
      );
      // The limit is 120 s; a few seconds is all a final answer may take, on any machine.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(server.requestLines()).toEqual(["GET /health"]);
    });

    it("warms a pooling model with /v1/embeddings after a 404 from /v1/completions", async () => {
      const server = play({
        "/health": { statuses: [200] },
        "/v1/models": { statuses: [200], body: MODELS },
        "/v1/embeddings": { statuses: [200], body: "{}" },
      });
      await server.start();
      const run = await runHook(postStartCommand(plannedPod(vllmPod(server.port))), shell, client);
      expect(await finished(run)).toBe("done: the warm request answered 200\n");
      expect(server.requestLines().slice(1)).toEqual([
        "GET /v1/models",
        "POST /v1/completions",
        "POST /v1/embeddings",
      ]);
      expect(server.arrivals.at(-1)!.body.toString()).toBe(
        '{"model":"served-llama","input":"warmup"}',
      );
    });

    it("sends the completion without a model when GET /v1/models fails", async () => {
      const server = play({
        "/health": { statuses: [200] },
        "/v1/models": { statuses: [500] },
        "/v1/completions": { statuses: [200] },
      });
      await server.start();
      const run = await runHook(postStartCommand(plannedPod(vllmPod(server.port))), shell, client);
      expect(await finished(run)).toBe("done: the warm request answered 200\n");
      expect(server.arrivals.at(-1)!.body.toString()).toBe('{"prompt":"warmup","max_tokens":1}');
      expect(readLog(run.directory)).toContain(
        "GET /v1/models answered 500, so the request names no model",
      );
    });

    it("reads the key of --api-key $(NAME) from the env when it sends it", async () => {
      const server = play({
        "/health": { statuses: [200] },
        "/v1/models": { statuses: [200], body: MODELS },
        "/v1/completions": { statuses: [200] },
      });
      await server.start();
      const pod = vllmPod(server.port);
      const container = pod.spec!.containers[0]!;
      container.args = [...container.args!, "--api-key", "$(SERVING_KEY)"];
      container.env = [
        { name: "SERVING_KEY", valueFrom: { secretKeyRef: { name: "k", key: "k" } } },
      ];
      const command = postStartCommand(plannedPod(pod));
      expect(JSON.stringify(command)).not.toContain(API_KEY);
      const run = await runHook(command, shell, client, { env: { SERVING_KEY: API_KEY } });
      expect(await finished(run)).toBe("done: the warm request answered 200\n");
      expect(server.arrivals.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(readLog(run.directory)).not.toContain(API_KEY);
    });
  });

  describe.each(TLS_CLIENTS)("over HTTPS with only %s", (client) => {
    it("checks health and warms on a self-signed certificate", async () => {
      const ca = generateCA({ commonName: "model server CA" });
      const tls = generateServingCert(ca, { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
      const server = play(
        {
          "/health": { statuses: [503, 200] },
          "/v1/models": { statuses: [200], body: MODELS },
          "/v1/completions": { statuses: [200] },
        },
        { tls },
      );
      await server.start();
      const pod = vllmPod(server.port);
      pod.spec!.containers[0]!.args!.push("--ssl-certfile", "/tls/tls.crt");
      const run = await runHook(postStartCommand(plannedPod(pod)), shell, client);
      expect(await finished(run)).toBe("done: the warm request answered 200\n");
      expect(server.requestLines()).toEqual([
        "GET /health",
        "GET /health",
        "GET /v1/models",
        "POST /v1/completions",
      ]);
    });
  });

  it.each(["BusyBox wget", "bash"] as const)(
    "says there is no HTTPS client when only %s is there, and writes the marker",
    async (client) => {
      const pod = vllmPod(8443);
      pod.spec!.containers[0]!.readinessProbe!.httpGet!.scheme = "HTTPS";
      const run = await runHook(postStartCommand(plannedPod(pod)), shell, client);
      expect(await finished(run)).toMatch(
        /^done without warmup: no HTTPS client \(curl, GNU wget, python3, python\) in PATH=/,
      );
    },
  );

  it("starts the warmup in a session of its own where setsid is", async () => {
    const server = play({ "/health": { statuses: [200] } });
    const port = await server.reserve();
    const run = await runHook(postStartCommand(plannedPod(vllmPod(port))), shell, "curl", {
      detach: true,
    });
    expectReturnedAtOnce(run);
    // The warmup is the hook's own script run again as meshtune-warmup-run (and its children),
    // all in one session that the first of them leads once setsid(1) has done its work.
    let session: number | undefined;
    await waitFor("the detached warmup's own session", () => {
      const warmup = sessionsOf(run.directory, "meshtune-warmup-run");
      const sessions = new Set(warmup.values());
      [session] = sessions;
      return sessions.size === 1 && warmup.has(session!);
    });
    expect(session).not.toBe(run.hook.group);
    await server.start();
    const marker = join(run.directory, "ready");
    await waitFor("the marker's line", () => readFileSync(marker, { flag: "a+" }).includes("\n"));
    await waitFor(
      "the warmup to exit",
      () => sessionsOf(run.directory, "meshtune-warmup-run").size === 0,
    );
    expect(readFileSync(marker, "utf8")).toBe(
      "done: the warm request answered 404 (any answer counts as warm)\n",
    );
  });

  it("without any HTTP client says why in the log and writes the marker", async () => {
    const server = play({ "/health": { statuses: [200] } });
    await server.start();
    const run = await runHook(
      postStartCommand(plannedPod(vllmPod(server.port))),
      shell,
      "no client",
    );
    expect(run.hook.code).toBe(0);
    expect(await finished(run)).toMatch(
      /^done without warmup: no HTTP client \(curl, wget, python3, python, bash\)/,
    );
    expect(server.arrivals).toEqual([]);
  });

  it("gives up on a server that never becomes healthy, within its limit, and exits 0", async () => {
    const server = play({ "/health": { statuses: [503] } });
    await server.start();
    const command = postStartCommand(plannedPod(vllmPod(server.port)));
    const run = await runHook(command, shell, "curl", { limitSeconds: 2, server });
    expect(run.hook).toMatchObject({ code: 0, output: "" });
    expect(run.markerWhenHookReturned).toBe(false);
    expect(await finished(run)).toBe(
      "done without warmup: not healthy within 2s (last answer: 503)\n",
    );
    expect(readLog(run.directory)).toMatch(/warmup finished \(exit 0\)\n$/);
    expect(server.requestLines().every((line) => line === "GET /health")).toBe(true);
  });

  it("gives up on a port that never opens", async () => {
    const idle = play({});
    const port = await idle.reserve();
    const run = await runHook(postStartCommand(plannedPod(vllmPod(port))), shell, "curl", {
      limitSeconds: 1,
    });
    expect(run.hook.code).toBe(0);
    expect(await finished(run)).toBe(
      "done without warmup: not healthy within 1s (last answer: 000)\n",
    );
  });
});

describe.each(SHELLS)("the startupProbe in %s", (shell) => {
  it("passes exactly when the marker exists", async () => {
    const directory = warmupDirectory();
    const marker = join(directory, "ready");
    const command = startupProbeCommand(plannedPod(vllmPod(8000)));
    const probe = command.with(-1, marker);
    const env = { PATH: toolbox(shell, "no client") };
    expect((await runExec(probe, shell, env)).code).not.toBe(0);
    writeFileSync(marker, "done\n");
    expect((await runExec(probe, shell, env)).code).toBe(0);
    expect((await runExec(probe.with(-1, directory), shell, env)).code).not.toBe(0);
  });
});
