/**
 * Tells the parent which port to load, and stops when the parent disconnects. Exiting by itself
 * rather than by a signal lets `node --cpu-prof` write its profile.
 */
export function serveUntilDisconnected(port: number, stop: () => Promise<void>): void {
  if (process.send === undefined) throw new Error("start this file with child_process.fork");
  process.send({ port });
  process.once("disconnect", () => void stop().then(() => process.exit(0)));
}
