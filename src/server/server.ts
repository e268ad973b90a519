import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { createAdmissionListeners, createMetricsListener } from "./app.js";
import { BodyBudget } from "./body-budget.js";
import { guardConnections } from "./connection-guard.js";
import type { ServerContext } from "./context.js";
import { HANDSHAKE_TIMEOUT_MS, MAX_CONNECTIONS } from "./limits.js";
import { LiveConfig } from "./live-config.js";
import { LiveTls } from "./live-tls.js";
import { createMetrics } from "./metrics.js";
import { ReviewQueue } from "./review-queue.js";
import { ReviewThread } from "./review-thread.js";
import { close, drain, trackSockets } from "./shutdown.js";
import { MIN_TLS_VERSION } from "./tls.js";
import { watchDirectories } from "./watch.js";

export interface ServerOptions {
  port: number;
  /** Address to listen on; undefined means all interfaces. Also used for the metrics port. */
  host?: string;
  /** Holds tls.crt and tls.key. */
  tlsDir: string;
  /** A CA bundle: when given, /mutate requires a client certificate it signed. */
  clientCa?: string;
  configPath: string;
  /** meshtune's own namespace, whose pods are never changed whatever the config says. */
  ownNamespace?: string;
  metricsPort: number;
  /**
   * How long a review may take to arrive and be answered when the request does not say; the
   * apiserver says, with the `timeout` it adds to the URL (see deadline.ts).
   */
  requestTimeoutMs: number;
  /** How long in-flight requests may take to finish after shutdown begins. */
  shutdownGraceMs: number;
  /** How long to keep serving, not ready, before closing the listener (endpoint removal lags). */
  shutdownDelayMs: number;
  /** How often the TLS and config files are looked at, besides file-system events. */
  watchIntervalMs: number;
  logger: Logger;
  /** The review thread's script; the compiled review-worker.js beside this file unless given. */
  reviewWorker?: URL;
}

export const SERVER_DEFAULTS = {
  port: 8443,
  tlsDir: "/etc/meshtune/tls",
  metricsPort: 9090,
  requestTimeoutMs: 4000,
  shutdownGraceMs: 25_000,
  shutdownDelayMs: 0,
  watchIntervalMs: 10_000,
} as const;

// Idle connections outlive the apiserver's own idle timeout (Go's 90 s), so it never sends on a
// connection we are closing; headers get controller-runtime's 32 s.
const KEEP_ALIVE_TIMEOUT_MS = 90_000;
const HEADERS_TIMEOUT_MS = 32_000;

export interface RunningServer {
  port: number;
  metricsPort: number;
  /** Stops being ready, lets in-flight reviews finish, closes every connection; resolves when done. */
  shutdown(): Promise<void>;
  /** Loads the TLS directory now: for the certificate keeper, once it wrote new files there. */
  reloadTls(): void;
}

function listen(
  server: HttpServer,
  port: number,
  host: string | undefined,
  what: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE" ? "the port is in use; choose another" : error.message;
      reject(
        new Error(`cannot listen for ${what} on ${host ?? "all interfaces"} port ${port}: ${why}`),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the admission server (HTTPS) and the metrics server (HTTP). Throws ConfigError when the
 * config is unusable; a missing certificate only keeps the server unready until one appears.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const metrics = createMetrics();
  const config = new LiveConfig(options.configPath, logger, metrics);
  let draining = false;

  // The client certificate is checked in /mutate, not in the handshake, so probes still reach /healthz.
  const https = createHttpsServer({
    minVersion: MIN_TLS_VERSION,
    requestCert: options.clientCa !== undefined,
    rejectUnauthorized: false,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  https.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  https.headersTimeout = HEADERS_TIMEOUT_MS;
  const sockets = trackSockets(https);
  guardConnections(https, MAX_CONNECTIONS, HEADERS_TIMEOUT_MS, metrics);
  // A caller that does not trust our certificate shows up here; the apiserver says "x509: ...".
  https.on("tlsClientError", (error: Error) => {
    metrics.handshakeErrors.inc();
    logger.debug({ err: error.message }, "TLS handshake failed");
  });
  const tls = new LiveTls(options.tlsDir, options.clientCa, https, logger, metrics);
  tls.reload();

  const context: ServerContext = {
    config: () => config.current,
    ownNamespace: options.ownNamespace,
    notReady: () => {
      if (draining) return "shutting down";
      return tls.missing === undefined ? undefined : `no serving certificate: ${tls.missing}`;
    },
    draining: () => draining,
    metrics,
    logger,
    requestTimeoutMs: options.requestTimeoutMs,
    requireClientCert: options.clientCa !== undefined,
    budget: new BodyBudget((held) => metrics.bodyBytesHeld.set(held)),
    reviewQueue: new ReviewQueue(),
    reviewThread: new ReviewThread(
      options.reviewWorker ?? new URL("./review-worker.js", import.meta.url),
      options.requestTimeoutMs,
    ),
  };
  const admission = createAdmissionListeners(context);
  https.on("request", admission.onRequest).on("checkContinue", admission.onCheckContinue);

  const metricsServer = createHttpServer(createMetricsListener(context));
  const port = await listen(https, options.port, options.host, "admission reviews (--port)");
  https.on("error", (error: Error) =>
    logger.error({ err: error }, "the HTTPS server reported an error"),
  );
  let metricsPort: number;
  try {
    metricsPort = await listen(
      metricsServer,
      options.metricsPort,
      options.host,
      "metrics (--metrics-port)",
    );
  } catch (error) {
    await close(https);
    throw error;
  }

  const watched = [
    options.tlsDir,
    ...(options.clientCa === undefined ? [] : [dirname(options.clientCa)]),
  ];
  const stopWatchingTls = watchDirectories(watched, options.watchIntervalMs, () => tls.reload());
  const stopWatchingConfig = watchDirectories(
    [dirname(options.configPath)],
    options.watchIntervalMs,
    () => config.reload(),
  );
  logger.info(
    {
      port,
      metricsPort,
      host: options.host ?? "all interfaces",
      tlsDir: options.tlsDir,
      config: options.configPath,
      ownNamespace: options.ownNamespace ?? "unknown",
    },
    "listening",
  );

  let shutdown: Promise<void> | undefined;
  const stop = () => {
    draining = true;
    stopWatchingTls();
    stopWatchingConfig();
    return drain({
      server: https,
      sockets,
      metricsServer,
      delayMs: options.shutdownDelayMs,
      graceMs: options.shutdownGraceMs,
      logger,
    }).then(() => context.reviewThread.stop());
  };
  return {
    port,
    metricsPort,
    shutdown: () => (shutdown ??= stop()),
    reloadTls: () => tls.reload(),
  };
}
