import { connect, type TLSSocket } from "node:tls";

/** One answer: its status and body, as text. */
export interface Answer {
  status: number;
  body: string;
}

const HEADER_END = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH = /^content-length:\s*(\d+)\s*$/im;

/**
 * A keep-alive HTTPS connection for the open-loop load: one request at a time, as the apiserver's
 * client sends them, with just enough HTTP/1.1 to read answers that declare their length (every
 * server here does). Lighter than node:https's client, so the load costs the benchmark little.
 */
export class Connection {
  #buffered: Buffer = Buffer.alloc(0);
  #pending: ((error: Error | undefined, answer?: Answer) => void) | undefined;
  #closed = false;

  private constructor(private readonly socket: TLSSocket) {
    socket.on("data", (chunk: Buffer) => this.#read(chunk));
    socket.on("close", () => this.#fail(new Error("the server closed the connection")));
    socket.on("error", (error: Error) => this.#fail(error));
  }

  static open(url: URL, ca: string): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: url.hostname,
        port: Number(url.port),
        ca,
        servername: "localhost",
      });
      socket.setNoDelay(true);
      socket.once("secureConnect", () => {
        socket.off("error", reject);
        resolve(new Connection(socket));
      });
      socket.once("error", reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends `request` (a whole HTTP/1.1 request) and calls `done` with its answer. */
  send(request: Buffer, done: (error: Error | undefined, answer?: Answer) => void): void {
    if (this.#pending !== undefined) throw new Error("one request at a time on a connection");
    this.#pending = done;
    this.socket.write(request);
  }

  close(): void {
    this.#closed = true;
    this.socket.destroy();
  }

  #read(chunk: Buffer): void {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    const headerEnd = this.#buffered.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.#buffered.toString("latin1", 0, headerEnd);
    const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? NaN);
    const bodyStart = headerEnd + HEADER_END.length;
    if (Number.isNaN(length)) {
      this.#fail(new Error(`an answer without Content-Length: ${head}`));
      return;
    }
    if (this.#buffered.length < bodyStart + length) return;
    const answer = {
      status: Number(head.slice(9, 12)),
      body: this.#buffered.toString("utf8", bodyStart, bodyStart + length),
    };
    this.#buffered = this.#buffered.subarray(bodyStart + length);
    const done = this.#pending;
    this.#pending = undefined;
    done?.(undefined, answer);
  }

  #fail(error: Error): void {
    this.#closed = true;
    const done = this.#pending;
    this.#pending = undefined;
    done?.(error);
  }
}

/** A POST of `body` to `url` as raw HTTP/1.1 bytes, sent as is on every request. */
export function postRequest(url: URL, body: string): Buffer {
  const bytes = Buffer.from(body);
  const head =
    `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), bytes]);
}
