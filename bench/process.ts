import { fork } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";

export type ServerKind = "meshtune" | "baseline";

export interface ServerProcess {
  kind: ServerKind;
  pid: number;
  port: number;
  /** Asks the child to stop and waits until it has exited. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  args: string[];
  /** Where the child's stdout goes: a file descriptor, or "ignore". */
  stdout: number | "ignore";
  /** Node flags besides CONTAINER_HEAP_FLAGS, e.g. --cpu-prof. */
  execArgv?: string[];
}

const STOP_TIMEOUT_MS = 10_000;

/**
 * The heap Node gives itself in the chart's container (resources.limits.memory: 256Mi): V8 sizes
 * its heap from the cgroup's memory limit, and in a 256 MiB cgroup Node 20 reports the same
 * heap_size_limit (259 MB) as with these flags. Without them the servers would size their heaps
 * for this machine's memory (a 16 MB young generation instead of 1 MB), which no pod gets. The
 * flags the image starts meshtune with come last, and both servers get them, so they run alike.
 */
export const CONTAINER_HEAP_FLAGS = [
  "--max-old-space-size=256",
  "--max-semi-space-size=1",
  ...imageNodeFlags(),
];

/** The Node flags the container image starts meshtune with (webhook/Dockerfile's ENTRYPOINT). */
function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(new URL("../../webhook/Dockerfile", import.meta.url), "utf8");
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  if (entrypoint === undefined) throw new Error("webhook/Dockerfile has no ENTRYPOINT [...] line");
  return (JSON.parse(entrypoint) as string[]).filter((part) => part.startsWith("--"));
}

/** Forks bench/servers/<kind>.js and waits until it listens. */
export async function startServerProcess(
  kind: ServerKind,
  options: ChildOptions,
): Promise<ServerProcess> {
  const child = fork(new URL(`./servers/${kind}.js`, import.meta.url), options.args, {
    stdio: ["ignore", options.stdout, "inherit", "ipc"],
    execArgv: [...CONTAINER_HEAP_FLAGS, ...(options.execArgv ?? [])],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port: number }) => resolve(message.port));
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`the ${kind} server exited (code ${code}) before listening; see above`)),
    );
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    const kill = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.disconnect();
    await exited;
    clearTimeout(kill);
  };
  return { kind, pid: child.pid as number, port, stop };
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
