import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { Metrics } from "./metrics.js";

interface Tracked {
  socket: Socket;
  /** Requests on it not answered yet. */
  busy: number;
  /** Closes it if it sends no request in time; cleared by its first request. */
  idleTimer?: NodeJS.Timeout;
}

const key = (socket: { remoteAddress?: string; remotePort?: number }) =>
  `${socket.remoteAddress ?? ""}|${socket.remotePort ?? ""}`;

/**
 * Keeps the admission port's connections at `max`. An idle TLS connection costs about 50 KB and
 * Node never closes one that sends nothing, so past the limit meshtune closes the least recently
 * active connection, idle ones before busy ones: real reviews take milliseconds, and the
 * apiserver simply opens a new connection. A connection that sends no request within
 * `firstRequestMs` of being accepted is closed too.
 */
export function guardConnections(
  server: HttpsServer,
  max: number,
  firstRequestMs: number,
  metrics: Metrics,
): void {
  // A Map keeps insertion order: re-inserting on activity makes its first entry the least recent.
  const open = new Map<string, Tracked>();
  const touch = (id: string, tracked: Tracked) => {
    open.delete(id);
    open.set(id, tracked);
  };
  const shed = (tracked: Tracked, reason: "capacity" | "idle") => {
    metrics.connectionsShed.inc({ reason });
    tracked.socket.destroy();
  };
  const evict = () => {
    let victim: Tracked | undefined;
    for (const tracked of open.values()) {
      victim ??= tracked;
      if (tracked.busy === 0) {
        victim = tracked;
        break;
      }
    }
    if (victim) shed(victim, "capacity");
  };

  // Raw TCP sockets, so that connections still in their TLS handshake count too.
  server.on("connection", (socket: Socket) => {
    if (open.size >= max) evict();
    const id = key(socket);
    const tracked: Tracked = { socket, busy: 0 };
    tracked.idleTimer = setTimeout(() => shed(tracked, "idle"), firstRequestMs);
    open.set(id, tracked);
    metrics.connectionsOpen.set(open.size);
    socket.once("close", () => {
      clearTimeout(tracked.idleTimer);
      if (open.get(id) === tracked) open.delete(id);
      metrics.connectionsOpen.set(open.size);
    });
  });
  // A TLS socket has its TCP socket's address and port, which is how requests find their entry.
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const id = key(req.socket);
    const tracked = open.get(id);
    if (!tracked) return;
    clearTimeout(tracked.idleTimer);
    tracked.busy++;
    touch(id, tracked);
    res.once("close", () => {
      tracked.busy--;
      if (open.get(id) === tracked) touch(id, tracked);
    });
  };
  server.on("request", onRequest).on("checkContinue", onRequest);
}
