import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";

/** How a process ended: its exit code, or the signal that ended it, or why it never started. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A server process of the e2e cluster, in its own process group, its output in `logFile`. */
export interface ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  /** Settles once the process has exited; never rejects. */
  readonly exited: Promise<ExitStatus>;
  hasExited(): boolean;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  logFile: string;
  env: NodeJS.ProcessEnv;
}

// Each running server's pid (its group's id) and the pid of its guard.
const live = new Map<number, number | undefined>();
const directoriesToRemove = new Set<string>();
let handlersInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function stopEverythingNow(): void {
  for (const [pid, guardPid] of live) {
    killGroup(pid, "SIGKILL");
    if (guardPid !== undefined) killGroup(guardPid, "SIGKILL");
  }
  for (const dir of directoriesToRemove)
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

// afterAll does not run when the test process is interrupted or exits early; these do. (Vitest
// forbids process.exit in its workers, so a signal is handled here and then raised again.)
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once("exit", stopEverythingNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      stopEverythingNow();
      process.kill(process.pid, signal);
    });
  }
}

/** Removes `dir` when the test process exits or is interrupted; call the result to cancel that. */
export function removeOnExit(dir: string): () => void {
  installExitHandlers();
  directoriesToRemove.add(dir);
  return () => directoriesToRemove.delete(dir);
}

// Nothing in Node runs when the test process is SIGKILLed (as a runner does to a hung worker), so a
// small shell beside each server kills its group once the test process is gone.
function startGuard(serverPid: number): number | undefined {
  const script =
    'while kill -0 "$1" 2>/dev/null; do kill -0 "$2" 2>/dev/null || exit 0; sleep 1; done; kill -s KILL -- "-$2" 2>/dev/null';
  const guard = spawn(
    "/bin/sh",
    ["-c", script, "meshtune-e2e-guard", String(process.pid), String(serverPid)],
    {
      detached: true,
      stdio: "ignore",
    },
  );
  guard.unref();
  return guard.pid;
}

/** Starts `command` in a new process group, with stdout and stderr appended to `options.logFile`. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: StartOptions,
): ManagedProcess {
  installExitHandlers();
  const log = openSync(options.logFile, "a");
  const child = spawn(command, args, {
    detached: true,
    stdio: ["ignore", log, log],
    env: options.env,
  });
  closeSync(log);
  let ended = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("error", (error) => {
      ended = true;
      resolve({ code: null, signal: null, error });
    });
    child.once("exit", (code, signal) => {
      ended = true;
      resolve({ code, signal });
    });
  });
  const pid = child.pid;
  const guardPid = pid === undefined ? undefined : startGuard(pid);
  if (pid !== undefined) live.set(pid, guardPid);
  void exited.then(() => {
    if (pid !== undefined) live.delete(pid);
    if (guardPid !== undefined) killGroup(guardPid, "SIGKILL");
  });

  return {
    name,
    logFile: options.logFile,
    exited,
    hasExited: () => ended,
    async stop(graceMs = 10_000) {
      if (ended || pid === undefined) return;
      killGroup(pid, "SIGTERM");
      const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last `lines` lines of a process's log, for error messages. */
export function logTail(process: ManagedProcess, lines = 30): string {
  try {
    return readFileSync(process.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** A sentence saying how a process ended. */
export function describeExit(status: ExitStatus): string {
  if (status.error) return `could not be started: ${status.error.message}`;
  if (status.signal) return `was killed by ${status.signal}`;
  return `exited with code ${status.code}`;
}

const POLL_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true; fails at once if `process` exits, or after `timeoutMs`. */
export async function waitUntilReady(
  process: ManagedProcess,
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.hasExited()) {
      const status = await process.exited;
      throw new Error(
        `${process.name} ${describeExit(status)} before ${what}. Last log lines:\n${logTail(process)}`,
      );
    }
    if (await check().catch(() => false)) return;
    await sleep(POLL_MS);
  }
  throw new Error(
    `${what} did not happen within ${timeoutMs / 1000} s. Last log lines of ${process.name}:\n${logTail(process)}`,
  );
}
