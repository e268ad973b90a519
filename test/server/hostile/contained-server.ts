import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DEFAULT_CONFIG_PATH } from "../../../src/config/load.js";
import { LOOPBACK } from "../harness.js";
import type { MemoryCgroup } from "./memory-cgroup.js";

const IN_CGROUP = fileURLToPath(new URL("./in-cgroup.sh", import.meta.url));

/** `meshtune serve`, run as the image runs it, in a memory cgroup when there is one. */
export interface ContainedServer {
  child: ChildProcess;
  port: number;
  url: string;
  metricsUrl: string;
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<string>;
  alive(): boolean;
  /** The process's peak RSS (VmHWM) since the last reset, in bytes. */
  peakRss(): number;
  resetPeakRss(): void;
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(
    readFileSync(`/proc/${pid}/status`, "utf8"),
  );
  return Number(match?.[1] ?? 0) * 1024;
}

/** Starts the compiled CLI in `build` serving from `tlsDir`; resolves once it listens. */
export async function startContained(
  build: string,
  tlsDir: string,
  cgroup: MemoryCgroup | undefined,
): Promise<ContainedServer> {
  // The image's command line (webhook/Dockerfile), with everything on loopback and any free port.
  const command = [
    process.execPath,
    "--max-semi-space-size=8",
    join(build, "cli", "main.js"),
    "serve",
    ...["--host", LOOPBACK, "--port", "0", "--metrics-port", "0"],
    ...["--tls-dir", tlsDir, "--config", DEFAULT_CONFIG_PATH],
  ];
  const [program, ...args] = cgroup ? ["sh", IN_CGROUP, cgroup.procsFile, ...command] : command;
  const child = spawn(program!, args, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? `exit code ${code}`)),
  );
  const listening = await new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const entry = JSON.parse(line) as { msg?: string; port: number; metricsPort: number };
      if (entry.msg === "listening") {
        lines.close();
        // Its log lines are read and dropped from here on, as a container runtime would.
        child.stdout.resume();
        resolve(entry);
      }
    });
    void exited.then((how) => reject(new Error(`meshtune serve ended (${how}) before listening`)));
  });
  const pid = child.pid!;
  return {
    child,
    port: listening.port,
    url: `https://${LOOPBACK}:${listening.port}`,
    metricsUrl: `http://${LOOPBACK}:${listening.metricsPort}`,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    peakRss: () => statusField(pid, "VmHWM"),
    resetPeakRss: () => writeFileSync(`/proc/${pid}/clear_refs`, "5"),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
