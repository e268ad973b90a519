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

/**
 * Answers with `body` as JSON, headers and text in one write. Express's res.json copies the text
 * into a Buffer and writes it apart from the headers, which shows in `npm run bench`: a review's
 * answer is about 22 KB with a warmup hook.
 */
export function writeJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  const bytes = Buffer.byteLength(text);
  res.writeHead(code, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": bytes,
    ...(closesAfter(res, bytes) && { Connection: "close" }),
  });
  res.end(text);
}

/**
 * Whether an answer of `bytes` must close its connection. An answer over the socket's high-water
 * mark leaves the socket's writes unflushed for a moment, and when the client's next request
 * arrives in that moment Node pauses the connection's HTTP parser. Over TLS, the request's body,
 * already decrypted, still reaches the paused parser (Node 20: "Parse Error: Paused"), and Node
 * drops the connection: the apiserver reads EOF and the pod's creation fails or goes untuned (the
 * end to end rotation test met it in every run with the vLLM pod's 16.5 KB answer). Closed after
 * such an answer, the connection carries no next request; the apiserver opens a new one.
 */
function closesAfter(res: ServerResponse, bytes: number): boolean {
  const socket = res.socket;
  return socket !== null && bytes >= socket.writableHighWaterMark;
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
