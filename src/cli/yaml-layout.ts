import { isMap, isNode, isSeq, visit, type Document, type ToStringOptions } from "yaml";

/**
 * How a document was laid out, so that a changed one is written back the same way as far as the
 * yaml library's options go: its indentation step, whether block lists under a key are indented,
 * whether flow collections have spaces inside their brackets; lines are never folded.
 */
export function layoutOf(document: Document.Parsed, source: string): ToStringOptions {
  const column = (offset: number) => offset - source.lastIndexOf("\n", offset - 1) - 1;
  let indent: number | undefined;
  let indentSeq: boolean | undefined;
  let padding: boolean | undefined;
  visit(document, {
    Pair(_, pair) {
      const { key, value } = pair;
      if (!isNode(key) || !key.range || !(isMap(value) || isSeq(value)) || !value.range) return;
      if (value.flow) return;
      const step = column(value.range[0]) - column(key.range[0]);
      if (isSeq(value)) indentSeq ??= step > 0;
      else if (step > 0) indent ??= step;
    },
    Node(_, node) {
      if ((isMap(node) || isSeq(node)) && node.flow && node.range && node.items.length > 0) {
        padding ??= source[node.range[0] + 1] === " ";
      }
    },
  });
  return {
    indent: indent ?? 2,
    indentSeq: indentSeq ?? true,
    flowCollectionPadding: padding ?? true,
    lineWidth: 0,
  };
}
