import { createServer, type Server } from "node:https";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { guardConnections } from "../../src/server/connection-guard.js";
import { createMetrics } from "../../src/server/metrics.js";
import { eventually, LOOPBACK, loopbackCerts, metricValue } from "./harness.js";
import { rawConnection, readResponse } from "./raw-client.js";

const certs = loopbackCerts();
let server: Server;
const clients: TLSSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** An HTTPS server whose requests to /slow are answered only when `release` is called. */
async function guarded(max: number, firstRequestMs = 10_000) {
  const metrics = createMetrics();
  const held: (() => void)[] = [];
  server = createServer({ cert: certs.serving.cert, key: certs.serving.key }, (req, res) => {
    if (req.url === "/slow") held.push(() => res.end("late\n"));
    else res.end("ok\n");
  });
  guardConnections(server, max, firstRequestMs, metrics);
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const port = (server.address() as { port: number }).port;
  const open = async () => {
    const client = await rawConnection(port, certs.ca.cert);
    clients.push(client);
    return client;
  };
  return { metrics, open, held };
}

const closed = (client: TLSSocket) =>
  new Promise<void>((resolve) => (client.closed ? resolve() : client.once("close", resolve)));

const get = (client: TLSSocket, path = "/") =>
  client.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);

describe("the connection guard", () => {
  it("closes the least recently active idle connection to make room for a new one", async () => {
    const { open, metrics } = await guarded(3);
    const first = await open();
    const second = await open();
    const third = await open();
    get(first);
    await readResponse(first); // first is now the most recently active
    await open();
    await closed(second);
    expect([first.closed, third.closed]).toEqual([false, false]);
    expect(
      metricValue(await metrics.registry.metrics(), "meshtune_connections_shed_total", {
        reason: "capacity",
      }),
    ).toBe(1);
  });

  it("closes busy connections only when no idle one is left, the oldest first", async () => {
    const { open, held } = await guarded(2);
    const first = await open();
    const second = await open();
    get(first, "/slow");
    await eventually(() => expect(held).toHaveLength(1));
    get(second, "/slow");
    await eventually(() => expect(held).toHaveLength(2));
    await open();
    await closed(first);
    expect(second.closed).toBe(false);
  });

  it("closes a connection that sends no request in time, and counts it", async () => {
    const { open, metrics } = await guarded(10, 200);
    const silent = await open();
    const talking = await open();
    get(talking);
    await readResponse(talking);
    await closed(silent);
    expect(talking.closed).toBe(false);
    expect(
      metricValue(await metrics.registry.metrics(), "meshtune_connections_shed_total", {
        reason: "idle",
      }),
    ).toBe(1);
  });
});
