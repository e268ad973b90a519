import type { IncomingMessage } from "node:http";

/**
 * Calls `onChunk` for each chunk of the request body, one chunk per event-loop turn: after each,
 * the request pauses until the next turn. Left alone, libuv reads up to 2 MB from one socket per
 * turn, so a few clients streaming junk would hold the loop for hundreds of milliseconds and
 * delay every other connection's TLS handshake and review. Returns a function that stops it.
 */
export function readFairly(req: IncomingMessage, onChunk: (chunk: Buffer) => void): () => void {
  let stopped = false;
  const onData = (chunk: Buffer) => {
    onChunk(chunk);
    if (stopped) return;
    req.pause();
    setImmediate(() => {
      if (!stopped) req.resume();
    });
  };
  req.on("data", onData);
  return () => {
    stopped = true;
    req.off("data", onData);
  };
}
