import type { Server } from "node:https";
import type { AddressInfo } from "node:net";

/**
 * Listens on a free loopback port with meshtune's keep-alive timeout, tells the parent the port,
 * and stops when the parent disconnects. Exiting by itself rather than by a signal lets
 * `node --cpu-prof` write its profile.
 */
export function serveUntilDisconnected(server: Server): void {
  if (process.send === undefined) throw new Error("start this file with child_process.fork");
  const send = process.send.bind(process);
  server.keepAliveTimeout = 90_000; // as meshtune's
  server.listen(0, "127.0.0.1", () => {
    send({ port: (server.address() as AddressInfo).port });
    process.once("disconnect", () => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    });
  });
}
