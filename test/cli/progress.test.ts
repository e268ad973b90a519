import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ProgressLine } from "../../src/cli/progress.js";

/** A stream that records what is written, a terminal `columns` wide or not a terminal at all. */
function stream(terminal: boolean, columns = 80) {
  const written: string[] = [];
  const output = new PassThrough() as unknown as NodeJS.WriteStream;
  Object.assign(output, { isTTY: terminal, columns, write: (text: string) => written.push(text) });
  return { output, written };
}

describe("the progress line", () => {
  it("rewrites one line on a terminal with what has been listed so far, and clears it at the end", () => {
    const { output, written } = stream(true);
    const progress = new ProgressLine(output);
    progress.update("pods", 500);
    progress.update("services", 20);
    progress.update("pods", 1000);
    progress.clear();
    expect(written).toEqual([
      "\r\x1b[Kreading 500 pods…",
      "\r\x1b[Kreading 500 pods, 20 services…",
      "\r\x1b[Kreading 1,000 pods, 20 services…",
      "\r\x1b[K",
    ]);
  });

  it("fits the terminal's width", () => {
    const { output, written } = stream(true, 20);
    new ProgressLine(output).update("virtualservices.networking.istio.io", 3);
    expect(written[0]).toBe("\r\x1b[Kreading 3 virtuals…");
  });

  it("writes nothing when standard error is piped", () => {
    const { output, written } = stream(false);
    const progress = new ProgressLine(output);
    progress.update("pods", 500);
    progress.clear();
    expect(written).toEqual([]);
  });
});
