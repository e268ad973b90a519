import type { EngineResult, Growth } from "./engine.js";
import type { MemoryResult } from "./memory.js";
import type { OpenLoopResult } from "./open-loop.js";
import type { PatchSize, Share } from "./patch-size.js";
import type { Comparison, Trio } from "./server.js";
import type { StartupResult } from "./startup.js";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the benchmark started and when it ended. */
  loadBefore: number;
  loadAfter: number;
  /** The core each server ran on and the cores of the load, or undefined when not pinned. */
  pinned?: { server: string; clients: string };
}

/** The open-loop runs at one offered rate. */
export interface RateRun extends Trio<OpenLoopResult> {
  rate: number;
}

/** Everything one `npm run bench` measured, as written to bench/results/latest.json. */
export interface BenchResults {
  date: string;
  quick: boolean;
  machine: Machine;
  engine: { pods: EngineResult[]; growth: Growth[] };
  patches: PatchSize[];
  /** The warmup script the pod carries, by part (see patch-size.ts). */
  scriptParts: Share[];
  server: {
    comparisons: Comparison[];
    secondsPerRun: number;
    /** The Node flags every server ran with. */
    nodeFlags: string[];
    /** Where meshtune's info-level log lines went, and how many bytes they came to per review. */
    log: { destination: string; bytesPerReview: number };
  };
  openLoop: { runs: RateRun[]; secondsPerRun: number };
  /** meshtune at twice the rate it carries at most (its best closed-loop throughput). */
  overload: { carriedRate: number; run: OpenLoopResult };
  /** A fresh `meshtune serve` with files for certificates, and in the chart's self-signed mode. */
  memory: { files: MemoryResult; selfSigned: MemoryResult };
  startup: { files: StartupResult; selfSignedMs: number[] };
}
