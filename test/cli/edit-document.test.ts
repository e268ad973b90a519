import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { editDocument } from "../../src/cli/edit-document.js";
import { MANIFEST_YAML } from "../../src/cli/source-text.js";

function edited(
  text: string,
  ...operations: { op: "add" | "replace"; path: string; value: unknown }[]
) {
  const document = parseDocument(text, MANIFEST_YAML);
  editDocument(document, operations);
  return {
    text: document.toString({ lineWidth: 0, indentSeq: false }),
    value: document.toJS() as unknown,
  };
}

describe("editing a YAML document in place", () => {
  it("adds keys to maps and items to lists, keeping comments and the scalars' text", () => {
    const { text } = edited(
      "# head\nmetadata:\n  name: x  # name\nspec:\n  mode: 0400\n  list:\n  - a\n",
      { op: "add", path: "/metadata/annotations", value: { "a/b": "1" } },
      { op: "add", path: "/spec/list/-", value: "b" },
    );
    expect(text).toBe(
      '# head\nmetadata:\n  name: x # name\n  annotations:\n    a/b: "1"\nspec:\n  mode: 0400\n  list:\n  - a\n  - b\n',
    );
  });

  it("replaces the null Helm renders for an empty map", () => {
    const { value } = edited("metadata:\n  annotations:\n", {
      op: "add",
      path: "/metadata/annotations",
      value: { k: "v" },
    });
    expect(value).toEqual({ metadata: { annotations: { k: "v" } } });
  });

  it("copies an aliased node before editing through the alias, leaving the anchored node alone", () => {
    const { value } = edited("a: &x {k: 1}\nb: *x\n", { op: "add", path: "/b/extra", value: 2 });
    expect(value).toEqual({ a: { k: 1 }, b: { k: 1, extra: 2 } });
  });

  it("expands the aliases of an anchored node before editing it, so they keep their meaning", () => {
    const { value, text } = edited("a: &x {k: 1}\nb: *x\nc: {<<: *x, own: 3}\n", {
      op: "add",
      path: "/a/extra",
      value: 2,
    });
    expect(value).toEqual({ a: { k: 1, extra: 2 }, b: { k: 1 }, c: { k: 1, own: 3 } });
    expect(text).not.toContain("*x");
  });

  it("gives a map its own copy of what it inherits through a merge key before editing inside it", () => {
    const { value } = edited("base: &b {life: {pre: 1}}\nc: {<<: *b}\n", {
      op: "add",
      path: "/c/life/post",
      value: 2,
    });
    expect(value).toEqual({ base: { life: { pre: 1 } }, c: { life: { pre: 1, post: 2 } } });
  });

  it("replaces a value where it is", () => {
    const { text } = edited("a: 1\nb: old\nc: 3\n", { op: "replace", path: "/b", value: "new" });
    expect(text).toBe("a: 1\nb: new\nc: 3\n");
  });
});
