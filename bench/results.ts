import type { EngineResult, Growth } from "./engine.js";
import type { MemoryResult } from "./memory.js";
import type { Comparison } from "./server.js";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the benchmark started and when it ended. */
  loadBefore: number;
  loadAfter: number;
}

/** Everything one `npm run bench` measured, as written to bench/results/latest.json. */
export interface BenchResults {
  date: string;
  quick: boolean;
  machine: Machine;
  engine: { pods: EngineResult[]; growth: Growth[] };
  server: {
    comparisons: Comparison[];
    secondsPerRun: number;
    /** The Node flags both servers ran with. */
    nodeFlags: string[];
    /** Where meshtune's info-level log lines went, and how many bytes they came to per review. */
    log: { destination: string; bytesPerReview: number };
  };
  memory: MemoryResult;
}
