import { jsonSyntaxProblem } from "../json-syntax.js";
import { depthProblem, sizeProblem, type ParseLimits, type Parsed } from "./limits.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_SQUARE = 0x5b;
const OPEN_CURLY = 0x7b;
const CLOSE_SQUARE = 0x5d;
const CLOSE_CURLY = 0x7d;

const COMMA = 0x2c;

export interface JsonShape {
  /** How deeply it nests: a scalar is 0, `{}` is 1. */
  depth: number;
  /** About how many values it holds: one more than its commas and brackets. */
  values: number;
}

/** The index of the quote that closes the string opened at `open`, escapes skipped. */
function stringEnd(text: string, open: number): number {
  let index = open + 1;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) return index;
    index += code === BACKSLASH ? 2 : 1;
  }
  return index;
}

/**
 * The shape of valid JSON, in one pass over the text: brackets and commas outside strings. Stops
 * as soon as the depth or the values pass their limit. Invalid JSON gets some shape; JSON.parse
 * refuses it afterwards.
 */
export function jsonShape(text: string, maxDepth: number, maxValues = Infinity): JsonShape {
  let depth = 0;
  const shape = { depth: 0, values: 1 };
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index = stringEnd(text, index);
    } else if (code === OPEN_SQUARE || code === OPEN_CURLY) {
      depth++;
      shape.values++;
      shape.depth = Math.max(shape.depth, depth);
    } else if (code === CLOSE_SQUARE || code === CLOSE_CURLY) {
      depth--;
    } else if (code === COMMA) {
      shape.values++;
    }
    if (shape.depth > maxDepth || shape.values > maxValues) return shape;
  }
  return shape;
}

/**
 * JSON.parse within limits: the size is checked first, then the nesting in one linear pass, so
 * the values that reach JSON.parse (linear too) and whatever walks them later are bounded.
 */
export function parseJsonWithin(text: string, limits: ParseLimits): Parsed {
  const tooLarge = sizeProblem(text, limits);
  if (tooLarge) return tooLarge;
  if (jsonShape(text, limits.maxDepth).depth > limits.maxDepth) return depthProblem(limits);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { problem: `is not valid JSON (${jsonSyntaxProblem(error)})` };
  }
}
