import { describe, expect, it } from "vitest";
import { parseYamlDocumentsWithin, parseYamlWithin } from "../../src/parse/yaml.js";

const limits = { maxBytes: 4096, maxDepth: 8, maxAliases: 10 };

describe("parsing YAML within limits", () => {
  it("parses block and flow YAML within the limits", () => {
    expect(parseYamlWithin("a:\n  b: [1, {c: d}]\n", limits)).toEqual({
      value: { a: { b: [1, { c: "d" }] } },
    });
  });

  it("refuses text over the size limit before parsing it", () => {
    expect(parseYamlWithin(`a: ${"x".repeat(5000)}`, limits)).toEqual({
      problem: "is 4.9 KiB, over the 4 KiB limit",
      overLimit: true,
    });
  });

  it.each([
    ["flow maps", '{"a":'.repeat(9) + "1" + "}".repeat(9)],
    ["flow lists", "[".repeat(9) + "1" + "]".repeat(9)],
    ["compact block lists", "- ".repeat(9) + "x"],
    [
      "indented block maps",
      Array.from({ length: 9 }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n") + " x",
    ],
  ])("refuses %s nested over the depth limit before composing them", (_what, text) => {
    expect(parseYamlWithin(text, limits)).toEqual({
      problem: "nests over 8 levels deep, the limit",
      overLimit: true,
    });
  });

  it("says which document of a stream nests too deeply", () => {
    const stream = `a: 1\n---\nb: 2\n---\nc: ${"[".repeat(9)}${"]".repeat(9)}\n`;
    expect(parseYamlDocumentsWithin(stream, limits)).toMatchObject({ document: 3 });
  });

  it("survives nesting that aborts the yaml library's recursive composer (issue 11)", () => {
    const bomb = "[".repeat(30_000) + "1" + "]".repeat(30_000);
    expect(parseYamlWithin(bomb, { ...limits, maxBytes: 1024 * 1024 })).toMatchObject({
      overLimit: true,
    });
  });

  it("refuses a value whose aliases expand past the limit", () => {
    const laughs = "a: &a [1, 2]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n";
    expect(parseYamlWithin(laughs, limits)).toEqual({
      problem: "has over 10 aliases, the limit",
      overLimit: true,
    });
  });

  it("reports the first syntax error", () => {
    expect(parseYamlWithin("a: [1\n", limits)).toMatchObject({
      problem: expect.stringMatching(/^does not parse as YAML \(/),
    });
  });

  it("keeps every document of a stream, each with its own errors", () => {
    const parsed = parseYamlDocumentsWithin("a: 1\n---\nb: [\n---\nc: 3\n", limits);
    expect("documents" in parsed && parsed.documents.map((doc) => doc.errors.length > 0)).toEqual([
      false,
      true,
      false,
    ]);
  });
});
