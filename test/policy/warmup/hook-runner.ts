import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { loadConfig } from "../../../src/config/load.js";
import { mutatePod } from "../../../src/engine.js";
import {
  hookArgumentIndex,
  isMeshtuneHook,
  isMeshtuneProbe,
} from "../../../src/policy/warmup/script.js";
import { applied } from "../../apply-patch.js";

export const SHELLS = ["dash", "busybox"] as const;
export type Shell = (typeof SHELLS)[number];
export const CLIENTS = ["curl", "GNU wget", "BusyBox wget", "python3", "bash"] as const;
export type Client = (typeof CLIENTS)[number] | "no client";
/** The clients that speak TLS; BusyBox wget and bash's /dev/tcp do not. */
export const TLS_CLIENTS = ["curl", "GNU wget", "python3"] as const;

const BUSYBOX = "/usr/bin/busybox";
const COREUTILS = "/usr/bin";
// What the script needs besides an HTTP client.
const TOOLS = ["date", "sleep", "rm", "timeout"];
const CLIENT_BINARIES: Record<Client, [string, string][]> = {
  curl: [["curl", "/usr/bin/curl"]],
  "GNU wget": [["wget", "/usr/bin/wget"]],
  "BusyBox wget": [["wget", BUSYBOX]],
  python3: [["python3", "/usr/bin/python3"]],
  // An image with no HTTP client but bash, such as Ollama's.
  bash: [["bash", "/bin/bash"]],
  "no client": [],
};
// setsid(1) and tr(1) let the hook start the warmup in a session of its own.
const DETACH_TOOLS = ["setsid", "tr"];

const created: string[] = [];

export function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), `meshtune-${prefix}-`));
  created.push(directory);
  return directory;
}

/** For afterAll: every warmup has ended by then, so nothing writes into these any more. */
export function removeTemporaryDirectories(): void {
  for (const directory of created.splice(0)) rmSync(directory, { recursive: true, force: true });
}

/**
 * A PATH directory of symlinks holding only the script's tools (from coreutils for dash, BusyBox
 * applets for busybox sh) and the one HTTP client under test, so nothing else can be found.
 */
export function toolbox(shell: Shell, client: Client, options: { detach?: boolean } = {}): string {
  const directory = temporaryDirectory("path");
  for (const tool of [...TOOLS, ...(options.detach ? DETACH_TOOLS : [])]) {
    symlinkSync(shell === "busybox" ? BUSYBOX : join(COREUTILS, tool), join(directory, tool));
  }
  for (const [name, target] of CLIENT_BINARIES[client]) symlinkSync(target, join(directory, name));
  return directory;
}

const config = loadConfig();

/** The pod as meshtune's patch leaves it: what the kubelet would run. */
export function plannedPod(pod: V1Pod): V1Pod {
  const { patch } = mutatePod(pod, { namespace: "inference" }, config);
  return applied(pod, patch);
}

export function postStartCommand(pod: V1Pod, container = 0): string[] {
  const hook = pod.spec!.containers[container]!.lifecycle?.postStart;
  if (!isMeshtuneHook(hook)) throw new Error("the planned pod has no meshtune warmup hook");
  return hook!.exec!.command!;
}

export function startupProbeCommand(pod: V1Pod, container = 0): string[] {
  const probe = pod.spec!.containers[container]!.startupProbe;
  if (!isMeshtuneProbe(probe)) throw new Error("the planned pod has no meshtune startupProbe");
  return probe!.exec!.command!;
}

/** Test values for some of the hook's arguments. */
export interface HookOverrides {
  directory: string;
  limitSeconds: number;
  pauseSeconds: number;
  /** Where the test's server listens, for a server whose port is fixed (TorchServe's 8080). */
  port?: number;
}

/** The planned argv with the test's directory, limits and (for a fixed port) the server's port. */
export function forTest(command: string[], overrides: HookOverrides): string[] {
  const changed = command
    .with(hookArgumentIndex("dir"), overrides.directory)
    .with(hookArgumentIndex("limit"), String(overrides.limitSeconds))
    .with(hookArgumentIndex("pause"), String(overrides.pauseSeconds));
  const { port } = overrides;
  if (port === undefined) return changed;
  const moved = (url: string) => url.replace(/^(https?:\/\/[^/]*:)\d+/, `$1${port}`);
  const url = hookArgumentIndex("url");
  const health = hookArgumentIndex("health");
  return changed.with(url, moved(changed[url]!)).with(health, moved(changed[health]!));
}

export interface Finished {
  code: number | null;
  output: string;
  /** Process group of the hook: the detached warmup stays in it. */
  group: number;
}

/**
 * Runs an exec argv the way the kubelet does, with only `env`, in dash (/bin/sh) or BusyBox sh.
 * Resolves when the process has exited and closed its stdout and stderr, which is when the
 * container runtime would consider the hook done.
 */
export function runExec(
  argv: string[],
  shell: Shell,
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<Finished> {
  const [program, ...args] = argv;
  if (program !== "/bin/sh") throw new Error(`expected a /bin/sh command, got ${program}`);
  // The runtime runs the hook in the container's working directory (TorchServe's key file is there).
  const options = { env, detached: true, ...(cwd !== undefined && { cwd }) };
  const child =
    shell === "dash" ? spawn(program, args, options) : spawn(BUSYBOX, ["sh", ...args], options);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output, group: child.pid! }));
  });
}

/** Polls until `condition` holds; fails naming `what` after `limitMs`. */
export async function waitFor(what: string, condition: () => boolean, limitMs = 10_000) {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Whether any process of the group still runs. Read from /proc, because an exited warmup is
 * orphaned and stays a zombie until PID 1 reaps it, which here may take seconds.
 */
export function groupAlive(group: number): boolean {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => {
      try {
        // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")".
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(pgrp) === group && state !== "Z";
      } catch {
        return false; // gone while we looked
      }
    });
}

export function readLog(directory: string): string {
  const path = join(directory, "warmup.log");
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** A fresh marker/log directory, as the emptyDir is. */
export function warmupDirectory(): string {
  const directory = join(temporaryDirectory("warmup"), "run");
  mkdirSync(directory);
  return directory;
}
