import type { V1Container } from "@kubernetes/client-node";
import { commandWords } from "../model-servers.js";

// vLLM's parser takes --api_key for --api-key (FlexibleArgumentParser), KServe's only --http_port:
// comparing names with "_" read as "-" reads every server's spelling, and one a server would
// refuse makes it fail at start, which no warmup can mend.
const normal = (name: string) => name.replaceAll("_", "-");

// Words inside `sh -c` scripts may keep the script's quotes: --port "8000".
function unquoted(word: string): string {
  return /^(["']).*\1$/s.test(word) ? word.slice(1, -1) : word;
}

/** A word of the command line, split once at its first "=" (`--flag=value`). */
interface Word {
  text: string;
  /** The part before "=", or the whole word, with "_" read as "-". */
  name: string;
  /** The part after "=", when there is one. */
  inline?: string;
}

function readWord(text: string): Word {
  const equals = text.indexOf("=");
  if (equals < 0) return { text, name: normal(text) };
  return { text, name: normal(text.slice(0, equals)), inline: text.slice(equals + 1) };
}

/**
 * A container's command line, read the way argparse, clap and getopt read theirs: `--flag value`,
 * `--flag=value`, and for a one-letter flag `-p 8080`, `-p8080` and `-p=8080`. The last one wins.
 * Its words are split and normalised once: the planner asks about many flags.
 */
export class CommandLine {
  readonly words: string[];
  readonly #read: Word[];

  constructor(container: V1Container) {
    this.words = commandWords(container);
    this.#read = this.words.map(readWord);
  }

  /** The values of these flags, in the order given; "" for one given last on the line. */
  values(flags: readonly string[]): string[] {
    const wanted = flags.map((flag) => ({
      name: normal(flag),
      short: /^-[A-Za-z]$/.test(flag) ? flag : undefined,
    }));
    const found: string[] = [];
    this.#read.forEach((word, index) => {
      for (const flag of wanted) {
        const value = flagValue(word, flag, this.words[index + 1]);
        if (value === undefined) continue;
        found.push(unquoted(value));
        return;
      }
    });
    return found;
  }

  /** The value of the last of these flags given. */
  value(flags: readonly string[]): string | undefined {
    return this.values(flags).at(-1);
  }

  /** Whether any of these flags is given, with or without a value. */
  has(flags: readonly string[]): boolean {
    return this.value(flags) !== undefined;
  }
}

function flagValue(
  word: Word,
  flag: { name: string; short?: string },
  next: string | undefined,
): string | undefined {
  if (word.name === flag.name) return word.inline ?? next ?? "";
  const { short } = flag;
  return short && word.text.startsWith(short) && word.text.length > 2
    ? word.text.slice(2)
    : undefined;
}
