import type { Socket } from "node:net";
import { connect, type TLSSocket } from "node:tls";
import { LOOPBACK } from "./harness.js";

export interface RawResponse {
  status: number;
  /** Every status line received, interim ones (100 Continue) included. */
  statusLines: string[];
  headers: Record<string, string>;
  body: string;
}

/**
 * A TLS connection to the server, for requests written byte by byte; over `tcp` when given (a
 * TLS socket cannot send a TCP reset itself).
 */
export function rawConnection(port: number, ca: string, tcp?: Socket): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const options = { host: LOOPBACK, port, ca, servername: "localhost", socket: tcp };
    const socket = connect(options, () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * The first final response on `socket`, read as it arrives: resolves as soon as the body its
 * Content-Length declares is in, whether or not the connection stays open; rejects if the
 * connection ends or is reset first.
 */
export function readResponse(socket: TLSSocket): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const statusLines: string[] = [];
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      for (;;) {
        const end = received.indexOf("\r\n\r\n");
        if (end === -1) return;
        const [statusLine = "", ...lines] = received
          .subarray(0, end)
          .toString("latin1")
          .split("\r\n");
        const status = Number(statusLine.split(" ")[1]);
        if (status >= 100 && status < 200) {
          statusLines.push(statusLine);
          received = received.subarray(end + 4);
          continue;
        }
        const headers = Object.fromEntries(
          lines.map((line) => {
            const colon = line.indexOf(":");
            return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
          }),
        );
        const length = Number(headers["content-length"] ?? 0);
        if (received.length - end - 4 < length) return;
        socket.off("data", onData).off("error", onError).off("end", onEnd).off("close", onEnd);
        statusLines.push(statusLine);
        const body = received.subarray(end + 4, end + 4 + length).toString("utf8");
        resolve({ status, statusLines, headers, body });
        return;
      }
    };
    const onError = (error: Error) => reject(error);
    const onEnd = () => reject(new Error("the connection ended before a whole response"));
    socket.on("data", onData).once("error", onError).once("end", onEnd).once("close", onEnd);
  });
}

/** Writes `total` bytes of `fill` as fast as the socket takes them, until done or closed. */
export async function writeBytes(socket: TLSSocket, total: number, fill = 0x20): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, fill);
  let written = 0;
  while (written < total && !socket.destroyed && socket.writable) {
    const piece = chunk.subarray(0, Math.min(chunk.length, total - written));
    written += piece.length;
    if (!socket.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off("drain", done).off("close", done);
          resolve();
        };
        socket.once("drain", done).once("close", done);
      });
    }
  }
  return written;
}

export function postHead(length: number | undefined, extra: Record<string, string> = {}): string {
  const headers = {
    Host: "localhost",
    "Content-Type": "application/json",
    ...(length === undefined
      ? { "Transfer-Encoding": "chunked" }
      : { "Content-Length": String(length) }),
    ...extra,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `POST /mutate HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}
