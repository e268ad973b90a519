import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { readFairly } from "./fair-read.js";
import { DISCARD_BYTES, DRAINS_AT_ONCE, LINGER_MS } from "./limits.js";
import { failureStatus } from "./status.js";

let draining = 0;

/**
 * Reads and drops the rest of the body, up to DISCARD_BYTES and for at most LINGER_MS, then
 * `done`. Past DRAINS_AT_ONCE such connections (a flood of refused bodies), it reads nothing and
 * only waits: a client that reads while it sends, as the apiserver's does, has its answer by then.
 */
function dropRest(req: IncomingMessage, done: () => void): void {
  const reading = draining < DRAINS_AT_ONCE;
  if (reading) draining++;
  let dropped = 0;
  const stopReading = reading
    ? readFairly(req, (chunk) => {
        dropped += chunk.length;
        if (dropped > DISCARD_BYTES) finish();
      })
    : () => {};
  const timer = setTimeout(finish, LINGER_MS);
  req.once("end", finish).once("close", finish);
  if (reading) req.resume();
  else req.pause();

  function finish(): void {
    clearTimeout(timer);
    stopReading();
    req.off("end", finish).off("close", finish);
    if (reading) draining--;
    done();
  }
}

/**
 * Answers a request with a metav1.Status while its body may still be arriving (413, 429, 408),
 * so that the client sees the answer. Closing at once, with data still coming in, makes the
 * kernel reset the connection, and a client still sending can lose the answer unread. So the
 * answer goes out now, whole (its length is declared), the rest of the body is dropped (see
 * dropRest), and only then is the connection closed.
 */
export function answerBeforeBodyEnds(
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(failureStatus(code, message));
  res.writeHead(code, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    Connection: "close",
  });
  res.write(text);
  // A body that ended, or whose connection is gone (a client that reset it), has nothing left.
  if (req.complete || req.socket.destroyed) res.end();
  else dropRest(req, () => res.end());
}
