import { describe, expect, it } from "vitest";
import { jsonShape, parseJsonWithin } from "../../src/parse/json.js";

const limits = { maxBytes: 1024, maxDepth: 4 };
const nested = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

describe("parsing JSON within limits", () => {
  it("parses JSON within the limits", () => {
    expect(parseJsonWithin('{"a":[1,{"b":2}]}', limits)).toEqual({ value: { a: [1, { b: 2 }] } });
  });

  it("refuses text over the size limit before parsing it, saying how large it is", () => {
    expect(parseJsonWithin(`"${"x".repeat(2000)}"`, limits)).toEqual({
      problem: "is 2 KiB, over the 1 KiB limit",
      overLimit: true,
    });
  });

  it("counts UTF-8 bytes, not characters", () => {
    expect(parseJsonWithin(`"${"é".repeat(600)}"`, limits)).toMatchObject({ overLimit: true });
    expect(parseJsonWithin(`"${"e".repeat(600)}"`, limits)).toEqual({ value: "e".repeat(600) });
  });

  it("refuses nesting over the depth limit, for objects and for lists", () => {
    expect(parseJsonWithin(nested(4), limits)).toHaveProperty("value");
    expect(parseJsonWithin(nested(5), limits)).toEqual({
      problem: "nests over 4 levels deep, the limit",
      overLimit: true,
    });
    expect(parseJsonWithin("[[[[[1]]]]]", limits)).toMatchObject({ overLimit: true });
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(parseJsonWithin('{"a":"[[[[[[\\"{{{{{{"}', limits)).toEqual({
      value: { a: '[[[[[["{{{{{{' },
    });
  });

  it("says why JSON is invalid without quoting the input", () => {
    const parsed = parseJsonWithin('{"token": hunter2}', limits);
    expect(parsed).toMatchObject({ problem: expect.stringMatching(/^is not valid JSON \(/) });
    expect(JSON.stringify(parsed)).not.toContain("hunter2");
  });

  it("refuses the 30,000-deep proxy config from issue 11 in one linear pass, without parsing it", () => {
    expect(parseJsonWithin(nested(30_000), { maxBytes: 1024 * 1024, maxDepth: 32 })).toEqual({
      problem: "nests over 32 levels deep, the limit",
      overLimit: true,
    });
  });
});

describe("the shape of JSON", () => {
  it("counts one value more than commas and brackets outside strings", () => {
    expect(jsonShape('[1,2,{"a":"x,y"}]', 100)).toEqual({ depth: 2, values: 5 });
  });

  it("stops counting once past a limit", () => {
    expect(jsonShape("[" + "1,".repeat(1000) + "1]", 100, 10).values).toBe(11);
  });
});
