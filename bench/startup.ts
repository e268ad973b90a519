import { postJson, send } from "../src/cli/https-client.js";
import type { ServerProcess } from "./process.js";

export interface StartupResult {
  /** `meshtune serve`: spawn to the first 200 from GET /readyz over HTTPS, each trial, in ms. */
  meshtuneMs: number[];
  /** A bare node:https server (the fixed-answer baseline): spawn to its first answer, in ms. */
  bareMs: number[];
}

const POLL_MS = 2;
const GIVE_UP_MS = 30_000;

/** Whether a probe got a 200; a refused or failed connection is a no. */
export type Probe = (server: ServerProcess) => Promise<boolean>;

const ok = (status: Promise<{ status: number }>) =>
  status.then(
    (r) => r.status === 200,
    () => false,
  );

/** GET /readyz over HTTPS: the readinessProbe the chart gives meshtune. */
export const readyz =
  (ca: string, servername?: string): Probe =>
  (server) =>
    ok(
      send(`https://127.0.0.1:${server.port}/readyz`, {
        method: "GET",
        ca,
        servername,
        agent: false,
      }),
    );

/** POST a review: the bare server answers nothing else. */
export const review =
  (ca: string, body: string): Probe =>
  (server) =>
    ok(postJson(`https://127.0.0.1:${server.port}/mutate`, body, { ca, agent: false }));

/** How long after its spawn `server` first passes `probe`, polled every 2 ms on fresh connections. */
export async function readyAfter(server: ServerProcess, probe: Probe): Promise<number> {
  while (performance.now() - server.spawnedAt < GIVE_UP_MS) {
    if (await probe(server)) return performance.now() - server.spawnedAt;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`the ${server.kind} server was not ready within ${GIVE_UP_MS / 1000} s`);
}
