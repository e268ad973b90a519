import { describe, expect, it } from "vitest";
import { growth, type EngineResult } from "../../bench/engine.js";
import { quantile } from "../../bench/stats.js";

describe("quantile", () => {
  const oneToHundred = () => Array.from({ length: 100 }, (_, index) => 100 - index);

  it("takes the nearest rank, so p99 of 1..100 is 99 and the median is 50", () => {
    expect(quantile(oneToHundred(), 0.99)).toBe(99);
    expect(quantile(oneToHundred(), 0.5)).toBe(50);
  });

  it("gives the largest sample for q = 1 and the smallest for a tiny q", () => {
    expect(quantile(oneToHundred(), 1)).toBe(100);
    expect(quantile(oneToHundred(), 0.001)).toBe(1);
  });

  it("is NaN without samples, rather than a number nobody measured", () => {
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe("growth", () => {
  const pod = (name: string, bytes: number, medianMicros: number): EngineResult => ({
    name,
    bytes,
    medianMicros,
    iterations: 1,
    operations: 1,
    p99Micros: medianMicros,
  });

  it("compares each pod with the next bigger one, in size and in median time", () => {
    const steps = growth([
      pod("small", 5000, 10),
      pod("medium", 50_000, 40),
      pod("large", 500_000, 600),
    ]);
    expect(steps).toEqual([
      { from: "small", to: "medium", sizeRatio: 10, timeRatio: 4 },
      { from: "medium", to: "large", sizeRatio: 10, timeRatio: 15 },
    ]);
  });
});
