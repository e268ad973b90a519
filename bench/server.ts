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

export interface Comparison {
  connections: number;
  meshtune: ServerRun;
  baseline: ServerRun;
  /** meshtune's requests per second over the baseline's. */
  throughputRatio: number;
}

export interface ComparisonPlan {
  concurrencies: number[];
  seconds: number;
  /** Load before measuring, so both servers are measured with their code optimised. */
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

/**
 * Loads meshtune and the baseline for the same time at each concurrency, one after the other,
 * alternating which goes first so drift in the machine's load does not favour either.
 */
export async function compareServers(
  servers: { meshtune: ServerUnderTest; baseline: ServerUnderTest },
  plan: ComparisonPlan,
): Promise<Comparison[]> {
  await warmUp(servers.baseline, plan.warmupSeconds);
  await warmUp(servers.meshtune, plan.warmupSeconds);
  const comparisons: Comparison[] = [];
  for (const [index, connections] of plan.concurrencies.entries()) {
    const stop = { seconds: plan.seconds };
    let meshtune: ServerRun;
    let baseline: ServerRun;
    if (index % 2 === 0) {
      baseline = await run(servers.baseline, connections, stop);
      meshtune = await run(servers.meshtune, connections, stop);
    } else {
      meshtune = await run(servers.meshtune, connections, stop);
      baseline = await run(servers.baseline, connections, stop);
    }
    const throughputRatio = meshtune.requestsPerSecond / baseline.requestsPerSecond;
    comparisons.push({ connections, meshtune, baseline, throughputRatio });
  }
  return comparisons;
}
