import autocannon from "autocannon";
import { quantile } from "./stats.js";

/** A server under load: where to POST, what to send, and how to tell a right answer. */
export interface LoadTarget {
  url: string;
  body: string;
  expected: string;
  /** Besides `expected`, answers that are right too (meshtune's answer to a review it shed). */
  alsoRight?: (body: string) => boolean;
}

/** Responses that were not a right 2xx answer, and requests that got none. */
export interface Failures {
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx answers whose body was not a right one. */
  mismatches: number;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  responses: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  failures: Failures;
}

/** Either run for `seconds` or until `amount` responses have arrived. */
export type Stop = { seconds: number } | { amount: number };

export function failureCount(failures: Failures): number {
  return failures.errors + failures.timeouts + failures.non2xx + failures.mismatches;
}

/** A request unanswered this long counts as a timeout: the webhook's timeoutSeconds. */
export const TIMEOUT_SECONDS = 5;

/**
 * POSTs `target.body` over `connections` keep-alive HTTPS connections, each sending its next
 * request when the previous answer arrives. Latencies are kept whole (autocannon's own histogram
 * rounds to milliseconds, too coarse here).
 */
export function load(target: LoadTarget, connections: number, stop: Stop): Promise<LoadResult> {
  const { expected, alsoRight } = target;
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const started = performance.now();
    const instance = autocannon(
      {
        url: target.url,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: target.body,
        verifyBody: (body) => body === expected || alsoRight?.(body) === true,
        connections,
        timeout: TIMEOUT_SECONDS,
        ...("seconds" in stop ? { duration: stop.seconds } : { amount: stop.amount }),
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const seconds = (performance.now() - started) / 1000;
        const { errors, timeouts, non2xx, mismatches } = result;
        resolve({
          connections,
          seconds,
          responses: latencies.length,
          requestsPerSecond: latencies.length / seconds,
          p50Ms: quantile(latencies, 0.5),
          p99Ms: quantile(latencies, 0.99),
          maxMs: latencies.reduce((max, ms) => Math.max(max, ms), 0),
          failures: { errors, timeouts, non2xx, mismatches },
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}
