import { resolve } from "node:path";
import { Command, Option } from "commander";
import type { Logger } from "pino";
import { ConfigError, DEFAULT_CONFIG_PATH } from "../config/load.js";
import { createLogger, LOG_LEVELS } from "../server/logger.js";
import { SERVER_DEFAULTS, startServer } from "../server/server.js";
import { parsePort, parsePositiveSeconds, parseSeconds } from "./arguments.js";
import { resolveOwnNamespace } from "./own-namespace.js";
import { addSelfSignedOptions, startSelfSigned, type SelfSignedFlags } from "./self-signed.js";

interface ServeFlags extends SelfSignedFlags {
  port: number;
  ownNamespace?: string;
  /** The old name of --own-namespace. */
  namespace?: string;
  host?: string;
  tlsDir: string;
  clientCa?: string;
  config: string;
  metricsPort: number;
  logLevel: string;
  requestTimeout: number;
  shutdownGrace: number;
  shutdownDelay: number;
  watchInterval: number;
}

const ms = (value: number) => String(value / 1000);

// --namespace read like mutate's -n (the pods' namespace), yet meant meshtune's own.
function givenOwnNamespace(
  flags: ServeFlags,
  command: Command,
  logger: Logger,
): string | undefined {
  if (flags.namespace === undefined) return flags.ownNamespace;
  logger.warn("--namespace is deprecated and will be removed: use --own-namespace");
  return command.getOptionValueSource("ownNamespace") === "cli"
    ? flags.ownNamespace
    : flags.namespace;
}

async function serve(flags: ServeFlags, command: Command): Promise<void> {
  const logger = createLogger(flags.logLevel);
  let server;
  let stopCertificates: (() => void) | undefined;
  try {
    const ownNamespace = resolveOwnNamespace(givenOwnNamespace(flags, command, logger));
    server = await startServer({
      port: flags.port,
      host: flags.host,
      tlsDir: resolve(flags.tlsDir),
      clientCa: flags.clientCa === undefined ? undefined : resolve(flags.clientCa),
      configPath: resolve(flags.config),
      ownNamespace,
      metricsPort: flags.metricsPort,
      requestTimeoutMs: flags.requestTimeout,
      shutdownGraceMs: flags.shutdownGrace,
      shutdownDelayMs: flags.shutdownDelay,
      watchIntervalMs: flags.watchInterval,
      logger,
    });
    // The server starts first, unready until the keeper has written its certificate.
    const started = server;
    stopCertificates = await startSelfSigned(
      flags,
      resolve(flags.tlsDir),
      logger,
      ownNamespace,
      () => started.reloadTls(),
    );
  } catch (error) {
    const problems =
      error instanceof ConfigError ? { config: error.source, problems: error.problems } : {};
    logger.fatal(
      problems,
      `cannot start: ${error instanceof ConfigError ? "the config is invalid" : (error as Error).message}`,
    );
    process.exit(1);
  }
  const running = server;
  const stop = (signal: string) => {
    logger.info({ signal }, "signal received");
    stopCertificates?.();
    void running.shutdown().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

export function serveCommand(): Command {
  const d = SERVER_DEFAULTS;
  const command = new Command("serve")
    .description(
      "Serve the admission webhook over HTTPS (POST /mutate), with metrics on plain HTTP",
    )
    .addOption(
      new Option("--port <port>", "HTTPS port")
        .env("MESHTUNE_PORT")
        .argParser(parsePort)
        .default(d.port),
    )
    .addOption(
      new Option("--host <address>", "address to listen on (default: all interfaces)").env(
        "MESHTUNE_HOST",
      ),
    )
    .addOption(
      new Option("--tls-dir <dir>", "directory with tls.crt and tls.key, reloaded when they change")
        .env("MESHTUNE_TLS_DIR")
        .default(d.tlsDir),
    )
    .addOption(
      new Option(
        "--client-ca <file>",
        "CA bundle; /mutate then requires a client certificate it signed",
      ).env("MESHTUNE_CLIENT_CA"),
    )
    .addOption(
      new Option(
        "--own-namespace <name>",
        "meshtune's own namespace: its pods are never changed, whatever the config says (default: the service account's)",
      ).env("POD_NAMESPACE"),
    )
    .addOption(new Option("--namespace <name>", "deprecated: use --own-namespace").hideHelp())
    .addOption(
      new Option("--config <file>", "config file, reloaded when it changes")
        .env("MESHTUNE_CONFIG")
        .default(DEFAULT_CONFIG_PATH, "the shipped config/meshtune.yaml"),
    )
    .addOption(
      new Option("--metrics-port <port>", "plain-HTTP port for /metrics, /healthz, /readyz")
        .env("MESHTUNE_METRICS_PORT")
        .argParser(parsePort)
        .default(d.metricsPort),
    )
    .addOption(
      new Option("--log-level <level>", "log level")
        .env("MESHTUNE_LOG_LEVEL")
        .choices(LOG_LEVELS)
        .default("info"),
    )
    .addOption(
      new Option(
        "--request-timeout <seconds>",
        "answer or give up on a review within this time; keep it below the webhook's timeoutSeconds",
      )
        .env("MESHTUNE_REQUEST_TIMEOUT")
        .argParser(parsePositiveSeconds)
        .default(d.requestTimeoutMs, ms(d.requestTimeoutMs)),
    )
    .addOption(
      new Option(
        "--shutdown-grace <seconds>",
        "on SIGTERM, how long in-flight reviews may take before connections are closed",
      )
        .env("MESHTUNE_SHUTDOWN_GRACE")
        .argParser(parseSeconds)
        .default(d.shutdownGraceMs, ms(d.shutdownGraceMs)),
    )
    .addOption(
      new Option(
        "--shutdown-delay <seconds>",
        "on SIGTERM, keep serving (not ready) this long before closing the listener",
      )
        .env("MESHTUNE_SHUTDOWN_DELAY")
        .argParser(parseSeconds)
        .default(d.shutdownDelayMs, ms(d.shutdownDelayMs)),
    )
    .addOption(
      new Option(
        "--watch-interval <seconds>",
        "how often the TLS and config files are checked, besides file events",
      )
        .env("MESHTUNE_WATCH_INTERVAL")
        .argParser(parsePositiveSeconds)
        .default(d.watchIntervalMs, ms(d.watchIntervalMs)),
    );
  return addSelfSignedOptions(command).action(serve);
}
