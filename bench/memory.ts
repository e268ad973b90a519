import { failureCount, load, type Failures, type LoadTarget } from "./load.js";
import type { ServerProcess } from "./process.js";
import { residentBytes } from "./process.js";

export interface MemoryResult {
  /** Reviews answered when each sample was taken; the first sample is right after start. */
  reviews: number[];
  rssBytes: number[];
  failures: Failures;
}

export interface MemoryPlan {
  batches: number;
  reviewsPerBatch: number;
  connections: number;
}

/** A server stays up this long after listening before its RSS counts as "after start". */
const SETTLE_MS = 1000;

function addFailures(total: Failures, more: Failures): Failures {
  return {
    errors: total.errors + more.errors,
    timeouts: total.timeouts + more.timeouts,
    non2xx: total.non2xx + more.non2xx,
    mismatches: total.mismatches + more.mismatches,
  };
}

/** RSS of a freshly started server, then after each batch of reviews. */
export async function measureMemory(
  server: ServerProcess,
  target: LoadTarget,
  plan: MemoryPlan,
): Promise<MemoryResult> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const reviews = [0];
  const rssBytes = [residentBytes(server.pid)];
  let failures: Failures = { errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 };
  for (let batch = 1; batch <= plan.batches; batch++) {
    const result = await load(target, plan.connections, { amount: plan.reviewsPerBatch });
    failures = addFailures(failures, result.failures);
    reviews.push((reviews.at(-1) ?? 0) + result.responses);
    rssBytes.push(residentBytes(server.pid));
    if (failureCount(result.failures) > 0) break;
  }
  return { reviews, rssBytes, failures };
}
