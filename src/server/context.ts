import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { BodyBudget } from "./body-budget.js";
import type { Metrics } from "./metrics.js";
import type { ReviewQueue } from "./review-queue.js";
import type { ReviewThread } from "./review-thread.js";

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
  /** How long a review may take to arrive and be answered, when the apiserver does not say. */
  requestTimeoutMs: number;
  /** Whether /mutate needs a client certificate that verified against the client CA. */
  requireClientCert: boolean;
  /** The bytes of request bodies held in memory, shared by all requests. */
  budget: BodyBudget;
  /** Where small bodies wait their turn to be planned on the event loop. */
  reviewQueue: ReviewQueue;
  /** Where bodies too large for the event loop are answered. */
  reviewThread: ReviewThread;
}
