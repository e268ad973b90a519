import type { Server as HttpServer } from "node:http";
import type { Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";

export function close(server: HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Every socket a server accepted and that is still open, so shutdown can end the stragglers. */
export function trackSockets(server: HttpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return sockets;
}

export interface Draining {
  /** The admission server and the sockets it accepted. */
  server: HttpServer;
  sockets: Set<Socket>;
  metricsServer: HttpServer;
  delayMs: number;
  graceMs: number;
  logger: Logger;
}

/**
 * The second half of a graceful stop (readiness already reports "shutting down"): after
 * `delayMs`, stop accepting, close idle keep-alive connections, let the requests in flight
 * finish (their answers close their connections) and, after `graceMs`, cut what is left.
 */
export async function drain({
  server,
  sockets,
  metricsServer,
  delayMs,
  graceMs,
  logger,
}: Draining): Promise<void> {
  logger.info({ delayMs, graceMs }, "shutting down: not ready, finishing in-flight reviews");
  await delay(delayMs);
  const closed = close(server);
  server.closeIdleConnections();
  const force = setTimeout(() => {
    logger.warn(
      { connections: sockets.size },
      "grace period over; closing the connections still open",
    );
    for (const socket of sockets) socket.destroy();
  }, graceMs);
  await closed;
  clearTimeout(force);
  // Metrics and probes go on answering until the admission server is done.
  const metricsClosed = close(metricsServer);
  metricsServer.closeAllConnections();
  await metricsClosed;
  logger.info("shut down");
}
