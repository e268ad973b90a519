import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { minifyShell } from "../../../scripts/generate/minify-shell.js";

const lines = (...text: string[]) => text.join("\n");

/** What a script prints and returns when run with `sh -c SCRIPT name ARGS...`. */
function run(shell: "dash" | "busybox", script: string, args: string[]) {
  const argv = shell === "dash" ? ["-c", script] : ["sh", "-c", script];
  const result = spawnSync(shell, [...argv, "name", ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Each is a script whose quoting a careless minifier would break: '#' that is no comment,
// blanks that are data, and lines that continue one another.
const TRICKY: Record<string, string> = {
  "comments, indentation and blank lines": lines(
    "# a comment line",
    "",
    "say() {",
    '    echo "$*"   # a trailing comment',
    "\t}",
    "say one two",
  ),
  "# that starts no comment": lines(
    'echo "$#" ${#1} $# x#y \'#quoted\' "a # b"',
    "v=abc#def; echo ${v#*#} ${v%#*}",
    "echo ok;#a comment after a semicolon",
  ),
  "a multi-line single-quoted program keeps its indentation": lines(
    "PY='for x in (1, 2):",
    "    print(x)   # indented, a comment to Python only",
    "'",
    'printf "%s" "$PY"',
  ),
  "a multi-line double-quoted string keeps its blanks": lines(
    'text="first   ',
    "    second # not a comment",
    '   "',
    'printf "[%s]" "$text"',
  ),
  "line continuations keep words apart and together": lines(
    "echo one \\",
    "    two \\",
    "three\\",
    "four \\",
    "    # a comment ends the command",
    "echo five",
    "echo six\\",
    "#seven",
    "echo eight\\",
    "    nine",
  ),
  "an escaped blank at the end of a line is data": "echo a\\ ",
  "command and arithmetic substitutions over lines": lines(
    "x=$(",
    "    echo 'in ) a quote' # a comment inside",
    "    echo $((1 + (2 * 3)))",
    ")",
    'echo "$x" "$( (echo sub) )" "${1:-"default # not a comment"}"',
  ),
  "case patterns": lines(
    "case ${1-} in",
    "    a|'#') echo hash ;;",
    "    2??) echo three ;;   # a trailing comment",
    "    *) echo other ;;",
    "esac",
  ),
};

describe("minifying shell", () => {
  it("drops comments, blank lines, indentation and trailing blanks", () => {
    expect(minifyShell(TRICKY["comments, indentation and blank lines"]!)).toBe(
      lines("say() {", 'echo "$*"', "}", "say one two"),
    );
  });

  it("keeps every byte of a string that spans lines", () => {
    const script = TRICKY["a multi-line single-quoted program keeps its indentation"]!;
    expect(minifyShell(script)).toBe(script);
  });

  it("keeps a blank where a continued line had one, and none where it had none", () => {
    expect(minifyShell(lines("echo one \\", "    two\\", "three"))).toBe(
      lines("echo one \\", " two\\", "three"),
    );
  });

  it.each([
    ["a here-document", "cat <<EOF\nx\nEOF", "a here-document"],
    ["a backquoted command", "echo `date`", "a backquoted command"],
    ["$'...' quoting", "echo $'a\\tb'", "$'...' quoting"],
    ["case inside $( )", "x=$(case a in a) echo;; esac)", "case inside $( )"],
    ["an unterminated quote", "echo 'open", "still open"],
    ["CR line ends", "echo a\r\necho b", "CR line ends"],
  ])("refuses %s rather than guess", (_, script, message) => {
    expect(() => minifyShell(script)).toThrow(message);
  });

  describe.each(["dash", "busybox"] as const)("in %s", (shell) => {
    it.each(Object.entries(TRICKY))(
      "%s: the minified script does what the original does",
      (_, script) => {
        const minified = minifyShell(script);
        for (const args of [[], ["a"], ["2xx", "b c"], ["#"]]) {
          expect(run(shell, minified, args)).toEqual(run(shell, script, args));
        }
        const check = shell === "dash" ? ["-n"] : ["sh", "-n"];
        expect(execFileSync(shell, [...check], { input: minified, encoding: "utf8" })).toBe("");
      },
    );
  });
});
