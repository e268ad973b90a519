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

/**
 * A container's command line, read the way argparse, clap and getopt read theirs: `--flag value`,
 * `--flag=value`, and for a one-letter flag `-p 8080`, `-p8080` and `-p=8080`. The last one wins.
 */
export class CommandLine {
  readonly words: string[];

  constructor(container: V1Container) {
    this.words = commandWords(container);
  }

  /** The values of these flags, in the order given; "" for one given last on the line. */
  values(flags: readonly string[]): string[] {
    return this.words.flatMap((word, index) => {
      const found = flags.map((flag) => flagValue(word, flag, this.words[index + 1]));
      const value = found.find((each) => each !== undefined);
      return value === undefined ? [] : [unquoted(value)];
    });
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

function flagValue(word: string, flag: string, next: string | undefined): string | undefined {
  const [name = "", ...rest] = word.split("=");
  if (normal(name) === normal(flag)) return rest.length > 0 ? rest.join("=") : (next ?? "");
  const short = /^-[A-Za-z]$/.test(flag);
  return short && word.startsWith(flag) && word.length > 2 ? word.slice(2) : undefined;
}
