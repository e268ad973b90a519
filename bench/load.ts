import autocannon from "autocannon";
import { quantile } from "./stats.js";

/** A server under load: where to POST, what to send, and the one answer every response must be. */
export interface LoadTarget {
  url: string;
  body: string;
  expected: string;
}

/** Responses that were not the expected 2xx answer, and requests that got none. */
export interface Failures {
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx answers whose body differed from the expected one. */
  mismatches: number;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  responses: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: Failures;
}

/** Either run for `seconds` or until `amount` responses have arrived. */
export type Stop = { seconds: number } | { amount: number };

export function failureCount(failures: Failures): number {
  return failures.errors + failures.timeouts + failures.non2xx + failures.mismatches;
}

/**
 * POSTs `target.body` over `connections` keep-alive HTTPS connections, each sending its next
 * request when the previous answer arrives. Latencies are kept whole (autocannon's own histogram
 * rounds to milliseconds, too coarse here).
 */
export function load(target: LoadTarget, connections: number, stop: Stop): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const started = performance.now();
    const instance = autocannon(
      {
        url: target.url,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: target.body,
        expectBody: target.expected,
        connections,
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
          failures: { errors, timeouts, non2xx, mismatches },
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}
