import { postJson } from "../src/cli/https-client.js";
import { failureCount, load, type Failures, type LoadTarget } from "./load.js";
import { residentBytes, type ServerProcess } from "./process.js";

export interface MemoryResult {
  /** RSS right after start, then with the review thread running (after one large review). */
  startRssBytes: number;
  threadRssBytes: number;
  /** Reviews answered when each sample was taken; the first sample is the one with the thread. */
  reviews: number[];
  rssBytes: number[];
  failures: Failures;
}

export interface MemoryPlan {
  batches: number;
  reviewsPerBatch: number;
  connections: number;
  /** A review over INLINE_BODY_BYTES, which starts the review thread, and how to trust its server. */
  large: { body: string; ca: string; servername?: string };
}

/** A server stays up this long after listening (and after its thread starts) before sampling. */
const SETTLE_MS = 1000;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

function addFailures(total: Failures, more: Failures): Failures {
  return {
    errors: total.errors + more.errors,
    timeouts: total.timeouts + more.timeouts,
    non2xx: total.non2xx + more.non2xx,
    mismatches: total.mismatches + more.mismatches,
  };
}

/**
 * RSS of a freshly started server; then after one large review, which starts the review thread
 * as the first real pod over 8 KiB does; then after each batch of reviews.
 */
export async function measureMemory(
  server: ServerProcess,
  target: LoadTarget,
  plan: MemoryPlan,
): Promise<MemoryResult> {
  await settle();
  const startRssBytes = residentBytes(server.pid);
  const { body, ca, servername } = plan.large;
  const large = await postJson(target.url, body, { ca, servername });
  if (large.status !== 200) throw new Error(`the large review got ${large.status}: ${large.body}`);
  await settle();
  const threadRssBytes = residentBytes(server.pid);
  const reviews = [0];
  const rssBytes = [threadRssBytes];
  let failures: Failures = { errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 };
  for (let batch = 1; batch <= plan.batches; batch++) {
    const result = await load(target, plan.connections, { amount: plan.reviewsPerBatch });
    failures = addFailures(failures, result.failures);
    reviews.push((reviews.at(-1) ?? 0) + result.responses);
    rssBytes.push(residentBytes(server.pid));
    if (failureCount(result.failures) > 0) break;
  }
  return { startRssBytes, threadRssBytes, reviews, rssBytes, failures };
}
