import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixturePod } from "../../fixtures/load.js";
import {
  forTest,
  groupAlive,
  plannedPod,
  postStartCommand,
  readLog,
  removeTemporaryDirectories,
  runExec,
  toolbox,
  waitFor,
  warmupDirectory,
  type Client,
  type Shell,
} from "./hook-runner.js";
import { PlayedModelServer } from "./model-server.js";

// The planned hooks against KServe's own Python model server, installed from PyPI (pinned in
// kserve/requirements.txt, cached by scripts/install-kserve.sh): no stand-in here. Without a
// server to test against, the suite fails rather than skips.

const INSTALL = fileURLToPath(new URL("../../../scripts/install-kserve.sh", import.meta.url));
const MODEL = fileURLToPath(new URL("./kserve/tiny_model.py", import.meta.url));

let python = "";
const servers: ChildProcess[] = [];

beforeAll(async () => {
  const { stdout } = await promisify(execFile)("bash", [INSTALL], { timeout: 600_000 });
  python = stdout.trim();
}, 600_000);
afterEach(() => {
  for (const server of servers.splice(0)) server.kill("SIGKILL");
});
afterAll(removeTemporaryDirectories);

/** KServe's model server on `port`, serving one tiny model; its output is kept for failures. */
function startKServe(port: number, name: string, options: { engine?: boolean; load: number }) {
  const args = [MODEL, `--model_name=${name}`, `--http_port=${port}`, "--enable_grpc=false"];
  args.push(`--load_seconds=${options.load}`, ...(options.engine ? ["--engine"] : []));
  const server = spawn(python, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  servers.push(server);
  return () => output;
}

function withPort(name: string, args: (port: number) => string[]): (port: number) => V1Pod {
  return (port) => {
    const pod = fixturePod(name);
    pod.spec!.containers[0]!.args = args(port);
    return pod;
  };
}

async function freePort(): Promise<number> {
  return new PlayedModelServer({}).reserve();
}

/** Starts the planned hook; the server comes up while the warmup waits, as in a pod. */
async function hook(pod: V1Pod, port: number, shell: Shell = "dash", client: Client = "curl") {
  const directory = warmupDirectory();
  const argv = forTest(postStartCommand(plannedPod(pod)), {
    directory,
    limitSeconds: 120,
    pauseSeconds: 0.2,
  });
  expect(argv.join(" ")).toContain(`:${port}`);
  const run = await runExec(argv, shell, { PATH: toolbox(shell, client) });
  expect(run).toMatchObject({ code: 0, output: "" });
  const marker = join(directory, "ready");
  return {
    marker,
    finished: async () => {
      await waitFor("the warmup marker", () => existsSync(marker), 90_000);
      await waitFor("the warmup to exit", () => !groupAlive(run.group), 30_000);
      return { marker: readFileSync(marker, "utf8"), log: readLog(directory) };
    },
  };
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

describe("the warmup against KServe's own model server", () => {
  const sklearn = (model: string) =>
    withPort("kserve-predictor-pod", (port) => [`--model_name=${model}`, `--http_port=${port}`]);

  it.each([
    ["dash", "curl"],
    ["busybox", "bash"],
  ] as const)(
    "waits in %s with %s for the model's own readiness, then ends the warmup",
    async (shell, client) => {
      const port = await freePort();
      const warmup = await hook(sklearn("sklearn-iris")(port), port, shell, client);
      const output = startKServe(port, "sklearn-iris", { load: 1 });
      const { marker, log } = await warmup.finished();
      expect(marker, output()).toBe("done: healthy; no warm request configured\n");
      expect(log).toContain("waiting: GET /v1/models/sklearn-iris got no answer yet");
      expect(log).toContain("healthy: GET /v1/models/sklearn-iris answered 200");
    },
    120_000,
  );

  it("ends at once on the 404 KServe answers for a model it does not serve", async () => {
    const port = await freePort();
    const output = startKServe(port, "sklearn-iris", { load: 0 });
    const started = Date.now();
    const warmup = await hook(sklearn("iris-v2")(port), port);
    const { marker } = await warmup.finished();
    expect(marker, output()).toBe(
      "done without warmup: GET /v1/models/iris-v2 answered 404, an answer that will not turn healthy (check the port, path and key)\n",
    );
    // KServe needs some seconds to start on a busy machine; a final answer adds no wait to that.
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  it("holds a huggingfaceserver-like model until its engine has loaded, not until /v2/health/ready", async () => {
    const port = await freePort();
    const pod = withPort("kserve-huggingface-pod", (at) => [
      "--model_name=llama3",
      `--http_port=${at}`,
    ]);
    const warmup = await hook(pod(port), port);
    const output = startKServe(port, "llama3", { engine: true, load: 6 });
    const base = `http://127.0.0.1:${port}`;
    let ready = 0;
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 90_000;
      const poll = async () => {
        ready = await status(`${base}/v2/health/ready`);
        if (ready === 200) return resolve();
        if (Date.now() > deadline) return reject(new Error(`KServe never got ready:\n${output()}`));
        setTimeout(() => void poll(), 100);
      };
      void poll();
    });
    // KServe says ready while the engine still loads; the model's own readiness does not.
    expect(await status(`${base}/v1/models/llama3`)).toBe(500);
    expect(existsSync(warmup.marker)).toBe(false);
    const { marker, log } = await warmup.finished();
    expect(log).toContain("waiting: GET /v1/models/llama3 answered 500");
    expect(log).toContain("healthy: GET /v1/models/llama3 answered 200");
    // KServe registers its OpenAI routes only with vLLM installed, which this test does not.
    expect(marker, output()).toBe(
      "done: the warm request answered 404 (any answer counts as warm)\n",
    );
  }, 120_000);
});
