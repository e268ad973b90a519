import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { DISCARD_BYTES, LINGER_MS } from "./limits.js";
import { failureStatus } from "./status.js";

/**
 * Answers a request with a metav1.Status while its body may still be arriving (413, 429, 408),
 * so that the client sees the answer. Closing at once, with data still coming in, makes the
 * kernel reset the connection, and a client still sending can lose the answer unread. So the
 * answer goes out now, whole (its length is declared), the rest of the body is read and dropped,
 * up to DISCARD_BYTES and for at most LINGER_MS, and only then is the connection closed.
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
  if (req.complete) {
    res.end();
    return;
  }
  let dropped = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off("data", onData).off("end", finish).off("close", finish);
    res.end();
  };
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_BYTES) finish();
  };
  const timer = setTimeout(finish, LINGER_MS);
  req.on("data", onData).once("end", finish).once("close", finish);
  req.resume();
}
