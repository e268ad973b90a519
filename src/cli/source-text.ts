import {
  CST,
  type DocumentOptions,
  type ParseOptions,
  type Scalar,
  type SchemaOptions,
  type Tags,
} from "yaml";
import { GO_YAML, goYamlTags } from "../parse/go-yaml.js";

type ScalarTag = Extract<Tags[number], { resolve(value: string, ...rest: never[]): unknown }>;

/** What a plain scalar's text means under `tags`: the first tag whose pattern matches resolves it. */
function plainValue(text: string, tags: ScalarTag[]): unknown {
  const tag = tags.find((each) => each.default === true && each.test?.test(text));
  if (tag === undefined) return text;
  const value = tag.resolve(text, () => {}, GO_YAML);
  return value !== null && typeof value === "object" && "value" in value ? value.value : value;
}

/**
 * The text a scalar had in the input, when printing that text again means the same value: so
 * `0400`, `0x1F`, `yes`, `"\u00e9"` and `'it''s'` come out of a changed document as they went
 * in, instead of as the yaml library would write their values (256, 31, true, "é", "it's").
 * Multi-line scalars are left to the library, which re-indents them.
 */
function sourceText(item: Scalar, tags: ScalarTag[]): string | undefined {
  const token = item.srcToken;
  if (token === undefined || !("source" in token) || token.source.includes("\n")) return undefined;
  if (token.type === "scalar") {
    return Object.is(plainValue(token.source, tags), item.value) ? token.source : undefined;
  }
  if (token.type === "single-quoted-scalar" || token.type === "double-quoted-scalar") {
    return CST.resolveAsScalar(token)?.value === item.value ? token.source : undefined;
  }
  return undefined;
}

const isScalarTag = (tag: Tags[number]): tag is ScalarTag =>
  typeof tag !== "string" && !("collection" in tag);

/** `tags` whose every scalar tag prints a node's source text when it still means its value. */
function keepingSourceText(tags: Tags): Tags {
  const scalarTags = tags.filter(isScalarTag);
  return tags.map((tag) => {
    if (!isScalarTag(tag)) return tag;
    return {
      ...tag,
      stringify(item, ctx, onComment, onChompKeep) {
        const original = sourceText(item, scalarTags);
        if (original !== undefined) return original;
        return tag.stringify
          ? tag.stringify(item, ctx, onComment, onChompKeep)
          : String(item.value);
      },
    };
  });
}

/**
 * How `meshtune mutate` reads and writes manifests: as kubectl reads them (go-yaml's YAML 1.1),
 * keeping each node's source so that a changed document keeps the text of what did not change.
 */
export const MANIFEST_YAML: DocumentOptions & ParseOptions & SchemaOptions = {
  ...GO_YAML,
  customTags: (tags) => keepingSourceText(goYamlTags(tags)),
  keepSourceTokens: true,
};
