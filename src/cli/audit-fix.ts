import { isScalar, Scalar, stringify, type Document as YamlDocument } from "yaml";
import type { Finding } from "../audit/finding.js";
import { describeRef } from "../audit/finding.js";
import {
  applyEdits,
  describeFix,
  fixesByObject,
  forApply,
  type ObjectFix,
} from "../audit/fixes.js";
import type { SourceObject } from "./audit-files.js";

/** Finds the object a fix is for: the cluster's copy, or the file's (with its YAML document). */
export type ObjectLookup = (fix: ObjectFix) => SourceObject | undefined;

const comment = (lines: string[]) => lines.map((line) => `# ${line}`.trimEnd()).join("\n");

/** The new value as YAML, quoted as the old one was. */
function valueText(value: unknown, old: unknown): string {
  if (typeof value !== "string") return String(value);
  if (isScalar(old) && old.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (isScalar(old) && old.type === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  return value;
}

/**
 * The document's own text with only the fixed values replaced, so every other byte (comments,
 * layout, quoting) stays; undefined when a value is not where the text can be spliced.
 */
function spliced(
  document: { yaml: YamlDocument; text: string },
  fix: ObjectFix,
): string | undefined {
  const [start, , end] = document.yaml.range ?? [0, 0, document.text.length];
  const replacements: { from: number; to: number; text: string }[] = [];
  for (const { edit } of fix.findings) {
    if (edit === undefined) continue;
    const node = document.yaml.getIn([...edit.path], true) as { range?: [number, number, number] };
    if (node?.range === undefined) return undefined;
    replacements.push({
      from: node.range[0],
      to: node.range[1],
      text: valueText(edit.value, node),
    });
  }
  let text = document.text;
  for (const { from, to, text: value } of replacements.sort((a, b) => b.from - a.from))
    text = text.slice(0, from) + value + text.slice(to);
  const shift = replacements.reduce((sum, r) => sum + r.text.length - (r.to - r.from), 0);
  const own = text.slice(start, end + shift).replace(/^---[^\n]*\n/, "");
  return own.endsWith("\n") ? own : `${own}\n`;
}

function fixedDocument(fix: ObjectFix, source: SourceObject): string {
  const header = comment(describeFix(fix));
  const text = source.document && spliced(source.document, fix);
  const body =
    text ?? stringify(applyEdits(forApply(source.object), fix.findings), { lineWidth: 0 });
  return `${header}\n${body}`;
}

/**
 * YAML that resolves the findings an edit can resolve: each object whole (kubectl apply replaces
 * lists whole), with a comment naming each change; then, as comments, what only an action does.
 */
export function formatFix(findings: Finding[], lookup: ObjectLookup): string {
  const { edits, actions } = fixesByObject(findings);
  const documents: string[] = [];
  for (const fix of edits) {
    const source = lookup(fix);
    if (source === undefined) {
      actions.push(...fix.findings);
      continue;
    }
    documents.push(fixedDocument(fix, source));
  }
  const text = documents.join("---\n");
  if (actions.length === 0) return text;
  const notes = actions.map(
    (finding) =>
      `${describeRef(finding.object)} ${finding.field} ${finding.found}: ${finding.remedy ?? `set it to ${finding.expected}`}`,
  );
  // Comments after the last object: kubectl apply reads them as nothing.
  return `${text}${comment(["Not resolved by YAML:", ...notes.map((n) => `  ${n}`)])}\n`;
}
