import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Outcome } from "../admission/admit.js";

/**
 * Every outcome label value of meshtune_admission_requests_total: the admission outcomes, plus
 * requests refused as unreadable (invalid), without a valid client certificate (unauthorized),
 * not received in time (timeout), or for want of memory (overloaded, a 429).
 */
export type RequestOutcome = Outcome | "invalid" | "unauthorized" | "timeout" | "overloaded";

export interface Metrics {
  registry: Registry;
  requests: Counter<"outcome" | "profile" | "dry_run">;
  duration: Histogram<"outcome">;
  inFlight: Gauge;
  patchOperations: Counter<"profile">;
  configReloads: Counter<"result">;
  tlsReloads: Counter<"result">;
  certificateNotAfter: Gauge;
  handshakeErrors: Counter;
  bodyBytesHeld: Gauge;
  connectionsOpen: Gauge;
  connectionsShed: Counter<"reason">;
}

/** meshtune's metrics, in a registry of their own (with the process metrics), so servers never share counts. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: Metrics = {
    registry,
    requests: new Counter({
      name: "meshtune_admission_requests_total",
      help: "Admission reviews answered, by outcome, applied profile (none if no profile) and dry-run",
      labelNames: ["outcome", "profile", "dry_run"],
      registers,
    }),
    duration: new Histogram({
      name: "meshtune_admission_duration_seconds",
      help: "Time from a review's arrival to its answer",
      labelNames: ["outcome"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    inFlight: new Gauge({
      name: "meshtune_admission_in_flight_requests",
      help: "Admission reviews being received or answered",
      registers,
    }),
    patchOperations: new Counter({
      name: "meshtune_patch_operations_total",
      help: "JSON Patch operations sent back, by profile",
      labelNames: ["profile"],
      registers,
    }),
    configReloads: new Counter({
      name: "meshtune_config_reloads_total",
      help: "Config file reloads after a change, by result (success, failure: the old config stays)",
      labelNames: ["result"],
      registers,
    }),
    tlsReloads: new Counter({
      name: "meshtune_tls_reloads_total",
      help: "Serving certificate loads, by result (success, failure: the old certificate stays)",
      labelNames: ["result"],
      registers,
    }),
    certificateNotAfter: new Gauge({
      name: "meshtune_tls_certificate_not_after_seconds",
      help: "When the serving certificate expires, in seconds since the Unix epoch",
      registers,
    }),
    handshakeErrors: new Counter({
      name: "meshtune_tls_handshake_errors_total",
      help: "TLS handshakes that failed, e.g. a client that does not trust the certificate",
      registers,
    }),
    bodyBytesHeld: new Gauge({
      name: "meshtune_request_body_bytes_held",
      help: "Bytes of request bodies in memory, against the body budget",
      registers,
    }),
    connectionsOpen: new Gauge({
      name: "meshtune_connections_open",
      help: "Open connections to the admission port",
      registers,
    }),
    connectionsShed: new Counter({
      name: "meshtune_connections_shed_total",
      help: "Connections meshtune closed to protect itself: at the connection limit (capacity), or with no request in time (idle)",
      labelNames: ["reason"],
      registers,
    }),
  };
  // Both results exist from the start, so an alert on failures has a series to watch.
  for (const reloads of [metrics.configReloads, metrics.tlsReloads]) {
    for (const result of ["success", "failure"]) reloads.inc({ result }, 0);
  }
  for (const reason of ["capacity", "idle"]) metrics.connectionsShed.inc({ reason }, 0);
  return metrics;
}
