/** How large and how deeply nested a value parsed out of a pod may be. */
export interface ParseLimits {
  /** UTF-8 bytes. */
  maxBytes: number;
  /** Levels of nested maps and lists; a scalar is 0, `{}` is 1. */
  maxDepth: number;
}

/** Why a value has no parse: the rest of a sentence that starts with the value's name. */
export interface Refused {
  problem: string;
  /** Set when the value broke a limit rather than the syntax. */
  overLimit?: true;
}

export type Parsed<T = unknown> = { value: T } | Refused;

const KIB = 1024;

function kib(bytes: number): string {
  return bytes < KIB ? `${bytes} bytes` : `${Math.ceil((bytes / KIB) * 10) / 10} KiB`;
}

/** Why `text` is too large to parse, checked before any parsing work. */
export function sizeProblem(text: string, limits: ParseLimits): Refused | undefined {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short text needs no count.
  if (text.length * 3 <= limits.maxBytes) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= limits.maxBytes) return undefined;
  return { problem: `is ${kib(bytes)}, over the ${kib(limits.maxBytes)} limit`, overLimit: true };
}

export function depthProblem(limits: ParseLimits): Refused {
  return {
    problem: `nests over ${limits.maxDepth} levels deep, the limit`,
    overLimit: true,
  };
}
