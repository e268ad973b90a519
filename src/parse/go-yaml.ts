import type { DocumentOptions, ParseOptions, ScalarTag, SchemaOptions, Tags } from "yaml";

/*
 * The plain-scalar rules of go-yaml v2 (go.yaml.in/yaml/v2, resolve.go), which kubectl and Istio
 * read YAML with through sigs.k8s.io/yaml. They are YAML 1.1's booleans (yes, on, y ...) and
 * nulls, Go's strconv.ParseInt with base 0 after dropping every "_" (0x1F, 0o17, 0b101, and a
 * leading 0 for octal, so 0400 is 256), and a float pattern; there are no sexagesimal numbers
 * (8080:80 stays a string) and timestamps stay strings (go-yaml keeps them as text for
 * interface{} targets).
 */

const INTEGER =
  /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
// A scalar starting with "." goes to strconv.ParseFloat as it is, underscores included.
const DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;
const NUMERIC_START = /^[-+0-9]/;

/** A RegExp whose test() is a function: the yaml library only ever calls test() on tag patterns. */
class Pattern extends RegExp {
  constructor(private readonly accepts: (text: string) => boolean) {
    super("");
  }
  override test(text: string): boolean {
    return this.accepts(text);
  }
}

function integerParts(text: string): RegExpExecArray | null {
  return NUMERIC_START.test(text) ? INTEGER.exec(text.replace(/_/g, "")) : null;
}

function integerValue(text: string): number {
  const [, sign, hex, octal, binary, leadingZero, decimal] = integerParts(text) ?? [];
  const magnitude =
    hex !== undefined
      ? parseInt(hex, 16)
      : octal !== undefined
        ? parseInt(octal, 8)
        : binary !== undefined
          ? parseInt(binary, 2)
          : leadingZero !== undefined
            ? parseInt(leadingZero, 8)
            : Number(decimal);
  return sign === "-" ? -magnitude : magnitude;
}

function isFloat(text: string): boolean {
  if (text.startsWith(".")) return DOT_FLOAT.test(text);
  return NUMERIC_START.test(text) && FLOAT.test(text.replace(/_/g, ""));
}

const goInt: ScalarTag = {
  identify: (value) => typeof value === "number" && Number.isInteger(value),
  default: true,
  tag: "tag:yaml.org,2002:int",
  test: new Pattern((text) => integerParts(text) !== null),
  resolve: integerValue,
};

const goFloat: ScalarTag = {
  identify: (value) => typeof value === "number",
  default: true,
  tag: "tag:yaml.org,2002:float",
  test: new Pattern(isFloat),
  resolve: (text) => Number(text.startsWith(".") ? text : text.replace(/_/g, "")),
};

// YAML 1.1's own number and time tags, which go-yaml does not follow.
const REPLACED = new Set([
  "tag:yaml.org,2002:int",
  "tag:yaml.org,2002:float",
  "tag:yaml.org,2002:timestamp",
]);

type Tag = Exclude<Tags[number], string>;

function isNaNOrInfinity(tag: Tag): boolean {
  return tag.test instanceof RegExp && tag.test.test(".inf");
}

/** YAML 1.1's tags with go-yaml's integers and floats in place of its numbers and timestamps. */
export function goYamlTags(tags: Tags): Tags {
  const kept = tags
    .filter((tag): tag is Tag => typeof tag !== "string")
    .filter((tag) => !REPLACED.has(tag.tag) || isNaNOrInfinity(tag));
  const numbers = kept.findIndex(isNaNOrInfinity) + 1;
  return [...kept.slice(0, numbers), goInt, goFloat, ...kept.slice(numbers)];
}

/** How kubectl and Istio read YAML, as options for the yaml library. */
export const GO_YAML: DocumentOptions & ParseOptions & SchemaOptions = {
  version: "1.1",
  customTags: goYamlTags,
  merge: true,
  // go-yaml keeps the last of duplicate keys; it does not refuse them.
  uniqueKeys: false,
};
