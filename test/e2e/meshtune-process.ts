import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LogLine } from "../server/harness.js";
import { freePort } from "./free-port.js";
import { startProcess, waitUntilReady, type ExitStatus } from "./managed-process.js";

export interface MeshtuneOptions {
  /** The compiled meshtune (the suite's global setup provides it as `meshtuneBuild`). */
  build: string;
  /** Holds tls.crt and tls.key; meshtune reloads them when they change. */
  tlsDir: string;
  configPath: string;
  /** Where the log goes: meshtune.log, appended to by every start with this directory. */
  logDir: string;
  /** The HTTPS port; a free one when not given. A restart passes the port it had before. */
  port?: number;
  /** More `meshtune serve` flags. */
  flags?: string[];
  /** Added to the environment meshtune runs in. */
  env?: Record<string, string>;
}

/** A `meshtune serve` process on 127.0.0.1. */
export interface Meshtune {
  /** https://127.0.0.1:<port>; the webhook path is /mutate. */
  readonly url: string;
  readonly port: number;
  readonly metricsUrl: string;
  readonly logFile: string;
  readonly exited: Promise<ExitStatus>;
  /** The JSON log lines written so far, by this and earlier starts with the same logDir. */
  logs(): LogLine[];
  /** The Prometheus exposition from /metrics. */
  metrics(): Promise<string>;
  /** SIGTERM, as a pod's termination sends; resolves once the process has exited. */
  stop(): Promise<void>;
}

const READY_MS = 30_000;

function readLogLines(logFile: string): LogLine[] {
  const lines = readFileSync(logFile, "utf8").split("\n");
  // Anything that is not a JSON line (a Node warning, a crash trace) stays in the file for people.
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}

/**
 * Starts `node <build>/cli/main.js serve` on 127.0.0.1 and resolves once its /readyz is ok, which
 * needs a valid serving certificate in `tlsDir`.
 */
export async function startMeshtune(options: MeshtuneOptions): Promise<Meshtune> {
  const port = options.port ?? (await freePort());
  const metricsPort = await freePort();
  const logFile = join(options.logDir, "meshtune.log");
  const server = startProcess(
    "meshtune",
    process.execPath,
    [
      join(options.build, "cli", "main.js"),
      "serve",
      "--host=127.0.0.1",
      `--port=${port}`,
      `--metrics-port=${metricsPort}`,
      `--tls-dir=${options.tlsDir}`,
      `--config=${options.configPath}`,
      // File events come first; the interval is the fallback, kept short for the rotation scenario.
      "--watch-interval=1",
      "--shutdown-grace=2",
      "--log-level=debug",
      ...(options.flags ?? []),
    ],
    { logFile, env: { ...process.env, ...options.env } },
  );
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  try {
    await waitUntilReady(server, "meshtune's /readyz was ok", READY_MS, async () => {
      const response = await fetch(`${metricsUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      return response.ok;
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    metricsUrl,
    logFile,
    exited: server.exited,
    logs: () => readLogLines(logFile),
    metrics: async () => (await fetch(`${metricsUrl}/metrics`)).text(),
    stop: () => server.stop(),
  };
}
