import { failureCount, load, type LoadResult, type LoadTarget, type Stop } from "./load.js";
import { cpuSeconds } from "./process.js";

/** A server process and what to send it. */
export interface ServerUnderTest {
  name: string;
  pid: number;
  target: LoadTarget;
}

export interface ServerRun extends LoadResult {
  /** The server's CPU time per response: steadier than req/s on a machine doing other work. */
  cpuMicrosPerResponse: number;
}

/** The three servers, by role: meshtune, the same-bytes floor, the fixed-answer baseline. */
export interface Trio<T> {
  meshtune: T;
  sameBytes: T;
  fixedAnswer: T;
}

export const ROLES = ["meshtune", "sameBytes", "fixedAnswer"] as const;

export interface Comparison extends Trio<ServerRun> {
  connections: number;
}

export interface ComparisonPlan {
  concurrencies: number[];
  seconds: number;
  /** Load before measuring, so every server is measured with its code optimised. */
  warmupSeconds: number;
}

/** Loads `server` and counts the CPU time it spent answering. */
async function run(server: ServerUnderTest, connections: number, stop: Stop): Promise<ServerRun> {
  const cpuBefore = cpuSeconds(server.pid);
  const result = await load(server.target, connections, stop);
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  return { ...result, cpuMicrosPerResponse: (cpu * 1e6) / result.responses };
}

async function warmUp(server: ServerUnderTest, seconds: number): Promise<void> {
  const result = await load(server.target, 50, { seconds });
  if (failureCount(result.failures) > 0) {
    const failures = JSON.stringify(result.failures);
    throw new Error(`${server.name} failed requests while warming up: ${failures}`);
  }
}

/** The roles in the order they run at step `index`: each goes first, second and last in turn. */
export function rotation(index: number): (typeof ROLES)[number][] {
  return ROLES.map((_, i) => ROLES[(i + index) % ROLES.length]!);
}

/**
 * Loads the three servers for the same time at each concurrency, one after the other, rotating
 * which goes first so drift in the machine's load favours none.
 */
export async function compareServers(
  servers: Trio<ServerUnderTest>,
  plan: ComparisonPlan,
): Promise<Comparison[]> {
  for (const role of ROLES) await warmUp(servers[role], plan.warmupSeconds);
  const comparisons: Comparison[] = [];
  for (const [index, connections] of plan.concurrencies.entries()) {
    const runs: Partial<Trio<ServerRun>> = {};
    for (const role of rotation(index)) {
      runs[role] = await run(servers[role], connections, { seconds: plan.seconds });
    }
    comparisons.push({ connections, ...(runs as Trio<ServerRun>) });
  }
  return comparisons;
}
