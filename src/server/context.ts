import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Metrics } from "./metrics.js";

/** What the HTTP handlers need from the running server. */
export interface ServerContext {
  /** The config in force for the next review. */
  config(): Config;
  /** meshtune's own namespace, whose pods are never changed whatever the config says. */
  ownNamespace?: string;
  /** Why the server should not get traffic, or undefined when it is ready. */
  notReady(): string | undefined;
  draining(): boolean;
  metrics: Metrics;
  logger: Logger;
  /** How long a review may take to arrive and be answered. */
  requestTimeoutMs: number;
  /** Whether /mutate needs a client certificate that verified against the client CA. */
  requireClientCert: boolean;
}
