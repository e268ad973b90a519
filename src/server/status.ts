import type { V1Status } from "@kubernetes/client-node";
import type { ServerResponse } from "node:http";

/** A request meshtune refuses, with the HTTP status and a sentence saying what to fix. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Answers with `body` as JSON (see writeJsonBytes). */
function writeJson(res: ServerResponse, code: number, body: unknown): void {
  writeJsonBytes(res, code, Buffer.from(JSON.stringify(body)));
}

/**
 * Answers with JSON already encoded: headers and bytes in one write (Express's res.json wrote them
 * apart, which showed in `npm run bench`), unless the bytes are over half the socket's high-water
 * mark (a review's answer is over 10 KB with a warmup hook); then in pieces of that size, each
 * written once the last has gone out.
 *
 * One write at the high-water mark or above leaves the socket needing drain for a moment, and a
 * keep-alive request that arrives in that moment makes Node pause the connection's HTTP parser.
 * Over TLS, the rest of that request, already decrypted, still reaches the paused parser (Node 20:
 * "Parse Error: Paused"), and Node drops the connection: the apiserver reads EOF and the pod's
 * creation fails or goes untuned (the end-to-end rotation test met it in every run). Pieces below
 * the mark never leave the socket needing drain, so the connection stays open for the next review.
 */
export function writeJsonBytes(res: ServerResponse, code: number, bytes: Buffer): void {
  res.writeHead(code, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": bytes.length,
  });
  const piece = Math.floor((res.socket?.writableHighWaterMark ?? 16 * 1024) / 2);
  if (bytes.length <= piece) res.end(bytes);
  else writePieces(res, bytes, piece, 0);
}

function writePieces(res: ServerResponse, text: Buffer, piece: number, from: number): void {
  const to = from + piece;
  if (to >= text.length) {
    res.end(text.subarray(from));
    return;
  }
  // An error means the connection is gone: nothing more reaches the client.
  res.write(text.subarray(from, to), (error) => {
    if (!error) writePieces(res, text, piece, to);
  });
}

/** Answers with `text` as plain text, for the probes. */
export function writeText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Answers with a metav1.Status: the apiserver shows its message in the webhook call error,
 * so whoever created the pod learns what went wrong.
 */
export function sendStatus(res: ServerResponse, code: number, message: string): void {
  writeJson(res, code, failureStatus(code, message));
}

export function failureStatus(code: number, message: string): V1Status {
  return { apiVersion: "v1", kind: "Status", status: "Failure", code, message };
}
