import { Composer, Parser, type CST, type Document, type YAMLError } from "yaml";
import { GO_YAML } from "./go-yaml.js";
import {
  depthProblem,
  sizeProblem,
  type ParseLimits,
  type Parsed,
  type Refused,
} from "./limits.js";

export interface YamlLimits extends ParseLimits {
  /** Alias expansions per document, as the yaml library counts them in toJS. */
  maxAliases: number;
}

/** The documents of a stream, or why there are none; `document` says which one (from 1) broke a limit. */
export type ParsedDocuments = { documents: Document.Parsed[] } | (Refused & { document?: number });

/**
 * How deeply a CST token nests, walked with an explicit stack: the yaml library composes
 * documents recursively, and very deep input exhausts the stack in ways Node cannot always catch
 * (a RegExp compiled near the stack's end aborts the process).
 */
function tokenDepth(root: CST.Token, limit: number): number {
  let deepest = 0;
  const pending: [CST.Token, number][] = [[root, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [token, depth] = next;
    if (token.type === "document") {
      if (token.value) pending.push([token.value, depth]);
    } else if (
      token.type === "block-map" ||
      token.type === "block-seq" ||
      token.type === "flow-collection"
    ) {
      deepest = Math.max(deepest, depth + 1);
      if (deepest > limit) return deepest;
      for (const item of token.items) {
        if (item.key) pending.push([item.key, depth + 1]);
        if (item.value) pending.push([item.value, depth + 1]);
      }
    }
  }
  return deepest;
}

/**
 * Parses a YAML stream within limits: its size first, then the nesting of every document (on
 * the concrete syntax tree, before any document is composed). Syntax errors stay on each
 * document, as the yaml library reports them.
 */
export function parseYamlDocumentsWithin(
  text: string,
  limits: ParseLimits,
  options = GO_YAML,
): ParsedDocuments {
  const tooLarge = sizeProblem(text, limits);
  if (tooLarge) return tooLarge;
  const tokens = Array.from(new Parser().parse(text));
  let document = 0;
  for (const token of tokens) {
    if (token.type === "document") document++;
    if (tokenDepth(token, limits.maxDepth) > limits.maxDepth) {
      return { ...depthProblem(limits), document: Math.max(document, 1) };
    }
  }
  return { documents: Array.from(new Composer(options).compose(tokens)) };
}

/** A document as plain JSON values, merge keys resolved, alias expansion bounded. */
export function documentValue(document: Document.Parsed, maxAliases: number): Parsed {
  try {
    return { value: document.toJS({ maxAliasCount: maxAliases }) as unknown };
  } catch (error) {
    if (error instanceof ReferenceError) {
      return {
        problem: `has over ${maxAliases} aliases, the limit`,
        overLimit: true,
      };
    }
    throw error;
  }
}

/**
 * A YAML error as the end of a sentence: its reason and position, without the excerpt of the
 * source the yaml library appends after a colon.
 */
export function yamlErrorReason(error: YAMLError, source?: string): string {
  const [first = ""] = error.message.split("\n");
  const why = first.replace(/ at line \d+, column \d+:?$/, "").replace(/:$/, "");
  const position =
    error.linePos?.[0] ?? (source === undefined ? undefined : linePos(source, error.pos[0]));
  return position ? `${why} (line ${position.line}, column ${position.col})` : why;
}

function linePos(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

/** The first document of a YAML value as go-yaml reads it (Istio reads annotations so), within limits. */
export function parseYamlWithin(text: string, limits: YamlLimits): Parsed {
  const parsed = parseYamlDocumentsWithin(text, limits);
  if ("problem" in parsed) return { problem: parsed.problem, overLimit: parsed.overLimit };
  const [document] = parsed.documents;
  if (document === undefined) return { value: null };
  const [error] = document.errors;
  if (error) return { problem: `does not parse as YAML (${yamlErrorReason(error)})` };
  return documentValue(document, limits.maxAliases);
}
