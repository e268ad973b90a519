import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmdirSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/** Where the memory a process uses is measured, and what stops it. */
export interface MemoryCgroup {
  /** "cgroup v1" or "cgroup v2". */
  version: string;
  limitBytes: number;
  /** The file a process joins the cgroup through. */
  procsFile: string;
  /** The most memory the cgroup used since the last reset (or since it was made, on v2). */
  peakBytes(): number;
  resetPeak(): void;
  /** Processes the kernel killed for memory in this cgroup. */
  oomKills(): number;
  remove(): void;
}

const read = (path: string) => readFileSync(path, "utf8").trim();

function ownPath(controller: "memory" | ""): string | undefined {
  for (const line of read("/proc/self/cgroup").split("\n")) {
    const [, controllers = "", path] = line.split(":");
    if (controllers.split(",").includes(controller) || (controller === "" && controllers === ""))
      return path;
  }
  return undefined;
}

function counter(file: string, name: string): number {
  const line = read(file)
    .split("\n")
    .find((each) => each.startsWith(`${name} `));
  return Number(line?.split(" ")[1] ?? 0);
}

function v1(limitBytes: number, name: string): MemoryCgroup | undefined {
  const parent = ownPath("memory");
  if (parent === undefined || !existsSync("/sys/fs/cgroup/memory")) return undefined;
  const dir = join("/sys/fs/cgroup/memory", parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "memory.limit_in_bytes"), String(limitBytes));
  return {
    version: "cgroup v1",
    limitBytes,
    procsFile: join(dir, "cgroup.procs"),
    peakBytes: () => Number(read(join(dir, "memory.max_usage_in_bytes"))),
    resetPeak: () => writeFileSync(join(dir, "memory.max_usage_in_bytes"), "0"),
    oomKills: () => counter(join(dir, "memory.oom_control"), "oom_kill"),
    remove: () => rmdirSync(dir),
  };
}

function v2(limitBytes: number, name: string): MemoryCgroup | undefined {
  const parent = ownPath("");
  if (parent === undefined || !existsSync("/sys/fs/cgroup/cgroup.controllers")) return undefined;
  const dir = join("/sys/fs/cgroup", parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "memory.max"), String(limitBytes));
  writeFileSync(join(dir, "memory.swap.max"), "0");
  // Writing to memory.peak resets it for the file it was written through (Linux 6.12 and later).
  const peak = openSync(join(dir, "memory.peak"), "r+");
  const buffer = Buffer.alloc(64);
  return {
    version: "cgroup v2",
    limitBytes,
    procsFile: join(dir, "cgroup.procs"),
    peakBytes: () => Number(buffer.toString("utf8", 0, readSync(peak, buffer, 0, 64, 0)).trim()),
    resetPeak: () => writeSync(peak, "reset\n"),
    oomKills: () => counter(join(dir, "memory.events"), "oom_kill"),
    remove: () => {
      closeSync(peak);
      rmdirSync(dir);
    },
  };
}

/**
 * A new memory cgroup with `limitBytes`, below this process's own (v2, else v1), or undefined
 * when the machine does not let this process make one; then only RSS can be measured.
 */
export function makeMemoryCgroup(limitBytes: number): MemoryCgroup | undefined {
  const name = `meshtune-hostile-${process.pid}-${Date.now()}`;
  for (const make of [v2, v1]) {
    try {
      const cgroup = make(limitBytes, name);
      if (cgroup) return cgroup;
    } catch {
      // Not this version, or not allowed here.
    }
  }
  return undefined;
}
