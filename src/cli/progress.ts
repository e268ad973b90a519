/**
 * One line on a terminal, rewritten in place while the audit lists objects; nothing when standard
 * error is not a terminal (piped, in CI), so logs stay clean.
 */
export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #counts = new Map<string, number>();
  #shown = false;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
  }

  get enabled(): boolean {
    return this.#stream.isTTY === true;
  }

  update(what: string, objects: number): void {
    if (!this.enabled) return;
    this.#counts.set(what, objects);
    const parts = [...this.#counts].map(([kind, count]) => `${count.toLocaleString("en")} ${kind}`);
    const line = `reading ${parts.join(", ")}…`;
    const width = this.#stream.columns ?? 80;
    this.#stream.write(`\r\x1b[K${line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
    this.#shown = true;
  }

  clear(): void {
    if (this.#shown) this.#stream.write("\r\x1b[K");
    this.#shown = false;
  }
}
