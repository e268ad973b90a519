import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

/** meshtune itself (`meshtune serve`), and the two node:https baselines it is measured against. */
export type ServerKind = "meshtune" | "same-bytes" | "fixed-answer";

export interface ServerProcess {
  kind: ServerKind;
  pid: number;
  port: number;
  /** When it was spawned, in performance.now() time. */
  spawnedAt: number;
  /** Stops it (SIGTERM for meshtune, as a pod's termination sends) and waits until it exited. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  /** The arguments after the script: `serve` and its flags for meshtune. */
  args: string[];
  /** Where the child's stdout goes: a file descriptor, or "ignore". meshtune's log is read from it. */
  stdout: number | "ignore";
  /** For meshtune: the file `stdout` writes, where its "listening" line tells the port. */
  logFile?: string;
  /** Node flags besides CONTAINER_HEAP_FLAGS, e.g. --cpu-prof. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

const STOP_TIMEOUT_MS = 10_000;
const LISTEN_TIMEOUT_MS = 60_000;
const ROOT = new URL("../../", import.meta.url);
/** The meshtune `npm run build` compiles: the program the image runs. */
const MESHTUNE_CLI = fileURLToPath(new URL("dist/cli/main.js", ROOT));

/**
 * The heap Node gives itself in the chart's container (resources.limits.memory: 256Mi): V8 sizes
 * its heap from the cgroup's memory limit, and in a 256 MiB cgroup Node 20 reports the same
 * heap_size_limit (259 MB) as with these flags. Without them the servers would size their heaps
 * for this machine's memory (a 16 MB young generation instead of 1 MB), which no pod gets. The
 * flags the image starts meshtune with come last, and every server gets them, so they run alike.
 */
export const CONTAINER_HEAP_FLAGS = [
  "--max-old-space-size=256",
  "--max-semi-space-size=1",
  ...imageNodeFlags(),
];

/** The Node flags the container image starts meshtune with (webhook/Dockerfile's ENTRYPOINT). */
function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(new URL("webhook/Dockerfile", ROOT), "utf8");
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  if (entrypoint === undefined) throw new Error("webhook/Dockerfile has no ENTRYPOINT [...] line");
  return (JSON.parse(entrypoint) as string[]).filter((part) => part.startsWith("--"));
}

/**
 * The cores the servers and the load run on: each server on one core of its own (the last), the
 * benchmark's clients on the others, so a server's figures are what one core carries. undefined
 * where the machine has one core or no taskset: then nothing is pinned.
 */
export const CORES = pinning();

function pinning(): { server: string; clients: string } | undefined {
  const count = cpus().length;
  if (count < 2 || spawnSync("taskset", ["-V"]).status !== 0) return undefined;
  return { server: String(count - 1), clients: count === 2 ? "0" : `0-${count - 2}` };
}

/** Pins this process (every thread: autocannon's and the open-loop client) to the client cores. */
export function pinClients(): void {
  if (CORES !== undefined)
    spawnSync("taskset", ["-a", "-p", "-c", CORES.clients, String(process.pid)]);
}

/** `node FLAGS SCRIPT ARGS`, on the server core where there is one. */
function spawnNode(
  script: string,
  options: ChildOptions,
  stdio: ("ignore" | "inherit" | "ipc" | number)[],
): ChildProcess {
  const node = [process.execPath, ...CONTAINER_HEAP_FLAGS, ...(options.execArgv ?? []), script];
  const [command, ...args] = CORES === undefined ? node : ["taskset", "-c", CORES.server, ...node];
  return spawn(command!, [...args, ...options.args], {
    stdio,
    env: options.env ?? process.env,
  });
}

function exitedEarly(kind: ServerKind, child: ChildProcess): Promise<never> {
  return new Promise((_, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`the ${kind} server exited (code ${code}) before listening; see above`)),
    );
  });
}

/** The port in meshtune's "listening" log line, once it is there. */
async function listeningPort(logFile: string, child: ChildProcess): Promise<number> {
  const deadline = performance.now() + LISTEN_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const line = readFileSync(logFile, "utf8")
      .split("\n")
      .find((each) => each.includes('"msg":"listening"'));
    if (line !== undefined) return (JSON.parse(line) as { port: number }).port;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`meshtune wrote no "listening" line to ${logFile}; see it for why`);
}

/**
 * Starts a server and waits until it listens: meshtune as `node dist/cli/main.js serve`, a
 * baseline as bench/servers/<kind>.js, which reports its port over IPC.
 */
export async function startServerProcess(
  kind: ServerKind,
  options: ChildOptions,
): Promise<ServerProcess> {
  const spawnedAt = performance.now();
  let child: ChildProcess;
  let port: number;
  if (kind === "meshtune") {
    if (options.logFile === undefined) throw new Error("meshtune needs a log file to read");
    child = spawnNode(MESHTUNE_CLI, options, ["ignore", options.stdout, "inherit"]);
    port = await Promise.race([listeningPort(options.logFile, child), exitedEarly(kind, child)]);
  } else {
    const script = fileURLToPath(new URL(`./servers/${kind}.js`, import.meta.url));
    child = spawnNode(script, options, ["ignore", options.stdout, "inherit", "ipc"]);
    const reported = new Promise<number>((resolve) =>
      child.once("message", (message: { port: number }) => resolve(message.port)),
    );
    port = await Promise.race([reported, exitedEarly(kind, child)]);
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    const kill = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    if (kind === "meshtune") child.kill("SIGTERM");
    else child.disconnect();
    await exited;
    clearTimeout(kill);
  };
  return { kind, pid: child.pid!, port, spawnedAt, stop };
}

// Linux counts CPU time in clock ticks of 1/100 s (USER_HZ) on every architecture it runs on.
const TICKS_PER_SECOND = 100;

/** CPU time process `pid` has used so far, user and system, all threads (GC helpers included). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The resident set size of process `pid` in bytes, as the kernel counts it (VmRSS). */
export function residentBytes(pid: number): number {
  const path = `/proc/${pid}/status`;
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(path, "utf8"));
  if (match?.[1] === undefined) throw new Error(`${path} has no VmRSS line`);
  return Number(match[1]) * 1024;
}
