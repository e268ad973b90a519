import type { V1Pod } from "@kubernetes/client-node";
import type { Config } from "../src/config/schema.js";
import { mutatePod } from "../src/engine.js";
import { quantile } from "./stats.js";

export interface EngineResult {
  name: string;
  bytes: number;
  iterations: number;
  /** JSON Patch operations the pod gets: the same work at every size means a fair comparison. */
  operations: number;
  medianMicros: number;
  p99Micros: number;
}

/** How much more time a bigger pod costs, against how much bigger it is. */
export interface Growth {
  from: string;
  to: string;
  sizeRatio: number;
  timeRatio: number;
}

/**
 * Times plan + patch for one pod as the webhook runs it: on a freshly parsed object each time,
 * so no run benefits from a previous run's shapes being cached on the same object.
 */
export function benchEngine(
  name: string,
  pod: V1Pod,
  config: Config,
  iterations: number,
): EngineResult {
  const json = JSON.stringify(pod);
  const target = { namespace: "inference" };
  const { patch } = mutatePod(JSON.parse(json) as V1Pod, target, config);
  for (let i = 0; i < iterations; i++) mutatePod(JSON.parse(json) as V1Pod, target, config);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const input = JSON.parse(json) as V1Pod;
    const start = process.hrtime.bigint();
    mutatePod(input, target, config);
    samples.push(Number(process.hrtime.bigint() - start) / 1_000);
  }
  return {
    name,
    bytes: json.length,
    iterations,
    operations: patch.length,
    medianMicros: quantile(samples, 0.5),
    p99Micros: quantile(samples, 0.99),
  };
}

/** Median time against size, from each pod to the next bigger one. */
export function growth(results: EngineResult[]): Growth[] {
  return results.slice(1).map((to, index) => {
    const from = results[index] as EngineResult;
    return {
      from: from.name,
      to: to.name,
      sizeRatio: to.bytes / from.bytes,
      timeRatio: to.medianMicros / from.medianMicros,
    };
  });
}
