import { describe, expect, it } from "vitest";
import { answerWithinMs } from "../../src/server/deadline.js";

const FALLBACK = 7000;

describe("answerWithinMs", () => {
  it("answers within four fifths of the timeout the apiserver puts in the URL", () => {
    expect(answerWithinMs("/mutate?timeout=5s", FALLBACK)).toBe(4000);
    expect(answerWithinMs("/mutate?timeout=10s", FALLBACK)).toBe(8000);
  });

  it("reads the durations Go writes: fractions, minutes, milliseconds", () => {
    expect(answerWithinMs("/mutate?timeout=2.5s", FALLBACK)).toBe(2000);
    expect(answerWithinMs("/mutate?foo=bar&timeout=1m0s", FALLBACK)).toBe(24_000);
  });

  it("follows a timeoutSeconds of 30, the most a webhook configuration may have, and no more", () => {
    expect(answerWithinMs("/mutate?timeout=30s", FALLBACK)).toBe(24_000);
    expect(answerWithinMs("/mutate?timeout=1h", FALLBACK)).toBe(24_000);
  });

  it("falls back to --request-timeout for less than a second, which no apiserver sends (it rounds up)", () => {
    expect(answerWithinMs("/mutate?timeout=500ms", FALLBACK)).toBe(FALLBACK);
    expect(answerWithinMs("/mutate?timeout=1ns", FALLBACK)).toBe(FALLBACK);
    expect(answerWithinMs("/mutate?timeout=1s", FALLBACK)).toBe(800);
  });

  it("falls back to --request-timeout when the request does not say", () => {
    expect(answerWithinMs("/mutate", FALLBACK)).toBe(FALLBACK);
    expect(answerWithinMs(undefined, FALLBACK)).toBe(FALLBACK);
    expect(answerWithinMs("/mutate?dryRun=true", FALLBACK)).toBe(FALLBACK);
  });

  it("falls back on a timeout that is not a positive duration", () => {
    for (const timeout of ["", "0s", "0", "-5s", "5", "five", "5s;rm", "NaNs"]) {
      expect(answerWithinMs(`/mutate?timeout=${timeout}`, FALLBACK), timeout).toBe(FALLBACK);
    }
  });
});
