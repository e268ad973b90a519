import { describe, expect, it } from "vitest";
import { durationValue, formatSeconds, parseDuration } from "../../src/audit/duration.js";

describe("durations", () => {
  it("reads Istio's and Gateway API's forms, fractions and compounds included", () => {
    expect(parseDuration("15s")).toBe(15);
    expect(parseDuration("0.5s")).toBe(0.5);
    expect(parseDuration("1m30s")).toBe(90);
    expect(parseDuration("1h")).toBe(3600);
    expect(parseDuration("250ms")).toBe(0.25);
  });

  it("reads Linkerd's days and a bare zero", () => {
    expect(parseDuration("1d")).toBe(86_400);
    expect(parseDuration("0")).toBe(0);
  });

  it("reads Envoy's proto JSON object form", () => {
    expect(parseDuration({ seconds: 60 })).toBe(60);
    expect(parseDuration({ seconds: "1", nanos: 500_000_000 })).toBe(1.5);
  });

  it("refuses what is not a duration, rather than guessing", () => {
    for (const value of ["", "15", "fast", "15 s", "s", "-5s", "1.s", 15, null, ["15s"]]) {
      expect(parseDuration(value)).toBeUndefined();
    }
  });

  it("writes whole seconds for a fix and readable seconds for a sentence", () => {
    expect(durationValue(300)).toBe("300s");
    expect(durationValue(299.5)).toBe("300s");
    expect(formatSeconds(1.5)).toBe("1.5 s");
  });
});
