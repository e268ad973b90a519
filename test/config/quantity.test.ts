import { describe, expect, it } from "vitest";
import { isResourceQuantity, parseQuantity } from "../../src/config/quantity.js";

describe("Kubernetes quantities", () => {
  it.each([
    ["500m", 0.5],
    ["2", 2],
    ["1.5", 1.5],
    ["128Mi", 128 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1G", 1e9],
    ["1e3", 1000],
    [".5", 0.5],
    ["5.", 5],
  ])("reads %s as %d base units", (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value);
  });

  it.each(["2 cores", "", "1.5.3", "Mi", "1mi", "1 Gi", "1Gi\n", "abc", "0x10", "1Gib"])(
    "refuses %j, as Istio's resource.ParseQuantity would",
    (text) => {
      expect(parseQuantity(text)).toBeUndefined();
    },
  );

  it("refuses negative sizes for a sidecar", () => {
    expect(parseQuantity("-1")).toBe(-1);
    expect(isResourceQuantity("-1")).toBe(false);
  });
});
