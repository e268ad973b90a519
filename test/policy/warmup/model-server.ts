import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** One request exactly as it arrived. */
export interface Arrival {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How the server answers one path: statuses in turn (the last one repeats), and a body. */
export interface Route {
  statuses: number[];
  body?: string;
  /** Send the body in chunks (Transfer-Encoding: chunked), as Node does without a length. */
  chunked?: boolean;
  /** The Authorization header it wants, and the status it answers without it. */
  authorization?: { value: () => string; otherwise: number };
}

export interface PlayOptions {
  /** A certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string };
}

/**
 * A model server played on 127.0.0.1: its port is reserved first and refuses connections until
 * start(), as a real server does while it loads its model. It records every request.
 */
export class PlayedModelServer {
  readonly arrivals: Arrival[] = [];
  private readonly server: Server;
  private readonly served = new Map<string, number>();
  port = 0;

  constructor(
    private readonly routes: Record<string, Route>,
    options: PlayOptions = {},
  ) {
    const handler: Parameters<typeof createServer>[1] = (request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const path = request.url ?? "";
        this.arrivals.push({
          method: request.method ?? "",
          path,
          headers: request.headers,
          body: Buffer.concat(chunks),
        });
        const route = this.routes[path];
        const count = this.served.get(path) ?? 0;
        this.served.set(path, count + 1);
        const wanted = route?.authorization;
        if (wanted && request.headers.authorization !== wanted.value()) {
          response.statusCode = wanted.otherwise;
          response.end('{"code":400,"type":"InvalidKeyException"}');
          return;
        }
        response.statusCode = route ? (route.statuses[count] ?? route.statuses.at(-1)!) : 404;
        const body = route?.body ?? "";
        if (route?.chunked && body.length > 1) {
          const half = Math.floor(body.length / 2);
          response.write(body.slice(0, half));
          response.end(body.slice(half));
        } else {
          response.end(body);
        }
      });
    };
    this.server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  }

  /** Picks a free port without listening on it yet. */
  async reserve(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    this.port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    return this.port;
  }

  async start(): Promise<void> {
    if (this.port === 0) await this.reserve();
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** "METHOD path" of every request, in order. */
  requestLines(): string[] {
    return this.arrivals.map(({ method, path }) => `${method} ${path}`);
  }
}
