import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Generated } from "./generated.js";
import { minifyShell } from "./minify-shell.js";

const SOURCE = "src/policy/warmup/warmup.sh";
const MODULE = "src/policy/warmup/warmup-script.generated.ts";

// "name=$N # meaning": one line of the argument table in warmup.sh.
const ARGUMENT = /^([a-z_]+)=\$(\d)\s+# (.+)$/;

/** The argument names warmup.sh declares, checked to be $1, $2, ... in order and shifted away. */
export function hookArguments(script: string): string[] {
  const lines = script.split("\n");
  const names = lines.flatMap((line, index) => {
    const match = ARGUMENT.exec(line);
    if (match === null) return [];
    const [, name = "", position = ""] = match;
    if (Number(position) !== lines.slice(0, index).filter((l) => ARGUMENT.test(l)).length + 1) {
      throw new Error(`${SOURCE}: ${name}=$${position} is out of order; number them $1, $2, ...`);
    }
    return [name];
  });
  const count = names.length;
  if (count === 0) throw new Error(`${SOURCE} declares no arguments (lines name=$N # meaning)`);
  for (const expected of [`[ "$#" -ge ${count} ] || exit 0`, `shift ${count}`]) {
    if (!lines.some((line) => line.startsWith(expected))) {
      throw new Error(`${SOURCE} must have the line ${expected} for its ${count} arguments`);
    }
  }
  return names;
}

/**
 * The TypeScript module that embeds warmup.sh, so the planner does no file I/O at run time. The
 * pod gets it minified: every pod carries the script in its spec, in etcd, and the comments that
 * explain it are most of its bytes.
 */
export function warmupScriptModule(root: string): Generated {
  const script = readFileSync(join(root, SOURCE), "utf8");
  const names = hookArguments(script);
  const text = `// Generated from warmup.sh by \`npm run generate\`; do not edit.

/** warmup.sh as the postStart hook runs it: minified (no comments, blank lines or indentation). */
export const WARMUP_SCRIPT = ${JSON.stringify(minifyShell(script))};

/** The hook's arguments after $0, in order, as warmup.sh names them. */
export const HOOK_ARGUMENTS = ${JSON.stringify(names)} as const;
`;
  return { path: MODULE, text, from: SOURCE, format: true };
}
