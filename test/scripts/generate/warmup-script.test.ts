import { describe, expect, it } from "vitest";
import { hookArguments } from "../../../scripts/generate/warmup-script.js";

const table = (lines: string[]) => lines.join("\n");

describe("reading warmup.sh's argument table", () => {
  it("names each argument in order", () => {
    const script = table([
      '[ "$#" -ge 2 ] || exit 0',
      "dir=$1   # where",
      "limit=$2 # how long",
      "shift 2  # the rest",
    ]);
    expect(hookArguments(script)).toEqual(["dir", "limit"]);
  });

  it("refuses arguments out of order", () => {
    const script = table(['[ "$#" -ge 2 ] || exit 0', "limit=$2 # x", "dir=$1 # y", "shift 2"]);
    expect(() => hookArguments(script)).toThrow("limit=$2 is out of order");
  });

  it("refuses a table whose count check or shift does not match it", () => {
    const script = table(['[ "$#" -ge 9 ] || exit 0', "dir=$1 # where", "shift 1"]);
    expect(() => hookArguments(script)).toThrow('must have the line [ "$#" -ge 1 ] || exit 0');
  });
});
