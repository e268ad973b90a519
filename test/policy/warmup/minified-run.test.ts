import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { WARMUP_SCRIPT } from "../../../src/policy/warmup/warmup-script.generated.js";
import { fixturePod } from "../../fixtures/load.js";
import {
  forTest,
  groupAlive,
  plannedPod,
  postStartCommand,
  readLog,
  removeTemporaryDirectories,
  runExec,
  SHELLS,
  toolbox,
  waitFor,
  warmupDirectory,
  type Client,
  type Shell,
} from "./hook-runner.js";
import { PlayedModelServer, type Route } from "./model-server.js";

// The pod runs the minified warmup.sh (hook-run.test.ts runs it as planned); here the commented
// source and the minified form run side by side, and must do exactly the same.

const SOURCE = readFileSync(
  fileURLToPath(new URL("../../../src/policy/warmup/warmup.sh", import.meta.url)),
  "utf8",
);
const MODELS = '{"object":"list","data":[{"id":"served-llama","object":"model"}]}';

afterAll(removeTemporaryDirectories);

interface Scenario {
  client: Client;
  routes: Record<string, Route>;
  env?: NodeJS.ProcessEnv;
  limitSeconds?: number;
}

const SCENARIOS: Record<string, Scenario> = {
  "a vLLM server that answers 503, then 200, with an API key": {
    client: "curl",
    routes: {
      "/health": { statuses: [503, 503, 200] },
      "/v1/models": { statuses: [200], body: MODELS },
      "/v1/completions": { statuses: [200], body: "{}" },
    },
    env: { VLLM_API_KEY: "sk-test\n" },
  },
  "a warm request answered 400, through python3": {
    client: "python3",
    routes: {
      "/health": { statuses: [200] },
      "/v1/models": { statuses: [200], body: MODELS },
      "/v1/completions": { statuses: [400], body: '{"error":"no"}' },
    },
  },
  "a model list with no id, through BusyBox wget": {
    client: "BusyBox wget",
    routes: { "/health": { statuses: [200] }, "/v1/models": { statuses: [200], body: "{}" } },
  },
  "a server never healthy, through GNU wget": {
    client: "GNU wget",
    routes: { "/health": { statuses: [500] } },
    limitSeconds: 1,
  },
  "no HTTP client": { client: "no client", routes: {} },
};

/** What one warmup did: its marker, its log without times, and what the server received. */
async function observe(script: string, shell: Shell, scenario: Scenario, path: string) {
  const server = new PlayedModelServer(scenario.routes);
  await server.start();
  try {
    const planned = postStartCommand(plannedPod(fixturePod("vllm-deployment")));
    const directory = warmupDirectory();
    const argv = forTest(planned.with(2, script), {
      directory,
      limitSeconds: scenario.limitSeconds ?? 20,
      pauseSeconds: 0.05,
      port: server.port,
    });
    const hook = await runExec(argv, shell, {
      PATH: path,
      ...scenario.env,
    });
    await waitFor("the warmup marker", () => existsSync(join(directory, "ready")));
    await waitFor("the warmup to exit", () => !groupAlive(hook.group));
    const log = readLog(directory)
      .replace(/^\[\+\d+s\] /gm, "")
      .replace(/started \S+Z:/, "started <date>:")
      .replaceAll(directory, "<dir>")
      .replaceAll(String(server.port), "<port>");
    return {
      hook,
      marker: readFileSync(join(directory, "ready"), "utf8"),
      log,
      // How many health checks fit in a time limit varies from run to run; a repeat is one.
      requests: server.arrivals
        .map(({ method, path, headers, body }) =>
          JSON.stringify([
            method,
            path,
            headers.authorization,
            headers["content-type"],
            body.toString(),
          ]),
        )
        .filter((request, index, all) => request !== all[index - 1]),
    };
  } finally {
    await server.stop();
  }
}

describe("the minified warmup script", () => {
  it("has no comment lines and is a good deal shorter than its source", () => {
    expect(WARMUP_SCRIPT.length).toBeLessThan(SOURCE.length * 0.8);
    expect(WARMUP_SCRIPT).not.toMatch(/^\s*#/m);
  });

  describe.each(SHELLS)("in %s", (shell) => {
    it.each(Object.entries(SCENARIOS))("does what warmup.sh does with %s", async (_, scenario) => {
      const path = toolbox(shell, scenario.client);
      const minified = await observe(WARMUP_SCRIPT, shell, scenario, path);
      const source = await observe(SOURCE, shell, scenario, path);
      expect({ ...minified, hook: undefined }).toEqual({ ...source, hook: undefined });
      expect(minified.hook.code).toBe(source.hook.code);
      expect(minified.hook.output).toBe(source.hook.output);
      expect(minified.log).toMatch(/warmup finished \(exit 0\)\n$/);
    });
  });
});
