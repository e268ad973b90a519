// A conservative minifier for POSIX sh: it removes comments, blank lines, indentation and
// trailing blanks, and nothing else. It reads quoting as the shell does (quotes, escapes, $( ),
// ${ }, $(( )), line continuations), so it never touches a byte inside a string; constructs whose
// quoting it does not follow (here-documents, backquotes, $'...', case inside $( )) are refused
// rather than guessed at. Lines are never joined.

type FrameKind = "code" | "subst" | "single" | "double" | "param" | "arith";

interface Frame {
  kind: FrameKind;
  /** Open parentheses inside a $( ) or $(( )), which its closing one must balance. */
  depth: number;
}

/** What scanning one line found. */
interface ScannedLine {
  /** Where a comment starts, if the line has one. */
  comment?: number;
  /** The end of the last byte that matters: no unescaped blank in code follows it. */
  end: number;
  /** The line ends in a backslash that joins it to the next. */
  continues: boolean;
}

const BLANK = /[ \t]/;
/** Characters after which a `#` starts a word, and so a comment. */
const WORD_BREAK = /[ \t;&|()]/;

const isCode = (frame: Frame) => frame.kind === "code" || frame.kind === "subst";

class UnsupportedShell extends Error {
  override readonly name = "UnsupportedShell";
}

/** Follows the shell's quoting through a script, one line at a time. */
class Scanner {
  readonly #stack: Frame[] = [{ kind: "code", depth: 0 }];
  #lineNumber = 0;
  /** Whether the line starts a word: not when it continues one from the line before (`a\`). */
  #startsWord = true;

  get top(): Frame {
    return this.#stack.at(-1)!;
  }

  get open(): boolean {
    return this.#stack.length > 1;
  }

  get lineNumber(): number {
    return this.#lineNumber;
  }

  scan(line: string): ScannedLine {
    this.#lineNumber++;
    let end = 0;
    let i = 0;
    while (i < line.length) {
      const frame = this.top;
      const wordStart = i === 0 ? this.#startsWord : WORD_BREAK.test(line[i - 1]!);
      if (isCode(frame) && line[i] === "#" && wordStart) {
        this.#startsWord = true;
        return { comment: i, end, continues: false };
      }
      const next = this.#step(line, i, frame);
      if (!isCode(frame) || !BLANK.test(line[i]!) || next > i + 1) end = next;
      i = next;
    }
    const continues = isCode(this.top) && line.endsWith("\\") && escapedAt(line, line.length - 1);
    if (!continues) this.#startsWord = true;
    else if (line.length > 1) this.#startsWord = WORD_BREAK.test(line[line.length - 2]!);
    return { end, continues };
  }

  /** Reads the construct at `i` in `frame`; returns where the next one starts. */
  #step(line: string, i: number, frame: Frame): number {
    switch (frame.kind) {
      case "single":
        if (line[i] === "'") this.#stack.pop();
        return i + 1;
      case "double":
        if (line[i] === '"') {
          this.#stack.pop();
          return i + 1;
        }
        return this.#expansion(line, i) ?? i + 1;
      case "param":
        if (line[i] === "}") {
          this.#stack.pop();
          return i + 1;
        }
        return this.#quote(line, i) ?? this.#expansion(line, i) ?? i + 1;
      case "arith":
        return this.#arith(line, i, frame);
      default:
        return this.#code(line, i, frame);
    }
  }

  #code(line: string, i: number, frame: Frame): number {
    if (line.startsWith("<<", i)) this.#refuse("a here-document");
    if (frame.kind === "subst") {
      if (line[i] === "(") frame.depth++;
      if (line[i] === ")") {
        if (frame.depth === 0) this.#stack.pop();
        else frame.depth--;
        return i + 1;
      }
      if (/^case[ \t]/.test(line.slice(i, i + 5)) && (i === 0 || WORD_BREAK.test(line[i - 1]!))) {
        this.#refuse("case inside $( )");
      }
    }
    return this.#quote(line, i) ?? this.#expansion(line, i) ?? i + 1;
  }

  #arith(line: string, i: number, frame: Frame): number {
    if (line[i] === "(") frame.depth++;
    if (line[i] === ")") {
      if (frame.depth > 0) frame.depth--;
      else if (line[i + 1] === ")") {
        this.#stack.pop();
        return i + 2;
      } else this.#refuse("a $(( )) closed by a single )");
      return i + 1;
    }
    return this.#expansion(line, i) ?? i + 1;
  }

  /** A quote or an escape that starts at `i`, in code or in ${ }. */
  #quote(line: string, i: number): number | undefined {
    const char = line[i];
    if (char === "\\") return i + 2;
    if (char === "'") return this.#push("single", i + 1);
    if (char === '"') return this.#push("double", i + 1);
    return undefined;
  }

  /** An expansion that starts at `i`: $(( )), $( ), ${ }; also where \ escapes in "...". */
  #expansion(line: string, i: number): number | undefined {
    const char = line[i];
    if (char === "`") this.#refuse("a backquoted command; use $( )");
    if (char === "\\" && this.top.kind === "double") return i + 2;
    if (char !== "$") return undefined;
    const after = line[i + 1];
    if (after === "'") this.#refuse("$'...' quoting, which POSIX sh does not have");
    if (line.startsWith("((", i + 1)) return this.#push("arith", i + 3);
    if (after === "(") return this.#push("subst", i + 2);
    if (after === "{") return this.#push("param", i + 2);
    return i + 1;
  }

  #push(kind: FrameKind, next: number): number {
    this.#stack.push({ kind, depth: 0 });
    return next;
  }

  #refuse(what: string): never {
    throw new UnsupportedShell(
      `line ${this.#lineNumber}: the shell minifier does not read ${what}; write it another way`,
    );
  }
}

/** Whether the character at `index` is a backslash that escapes what follows it. */
function escapedAt(line: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index; i >= 0 && line[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * `script` without comments, blank lines, indentation and trailing blanks. Lines inside a string
 * (a multi-line quoted value, say a Python program) are kept byte for byte; a line continued
 * from the one before keeps one blank where it had any, so the words stay apart. Throws for
 * shell it does not read (see above) and for an unterminated quote.
 */
export function minifyShell(script: string): string {
  if (script.includes("\r")) throw new UnsupportedShell("the script has CR line ends; use LF");
  const scanner = new Scanner();
  const kept: string[] = [];
  let continued = false;
  for (const line of script.split("\n")) {
    const inCode = isCode(scanner.top);
    const { comment, end, continues } = scanner.scan(line);
    if (!inCode) {
      kept.push(comment === undefined ? line : line.slice(0, end));
    } else {
      const indent = /^[ \t]*/.exec(line)![0].length;
      const text = line.slice(Math.min(indent, end), end);
      const lead = continued && indent > 0 ? " " : "";
      if (text !== "" || continued) kept.push(lead + text);
    }
    continued = continues;
  }
  if (scanner.open) {
    throw new UnsupportedShell(`a quote or expansion is still open at the end of the script`);
  }
  return kept.join("\n");
}
