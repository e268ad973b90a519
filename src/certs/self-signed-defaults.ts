// Defaults of the in-cluster self-signed mode, apart from self-signed-certificates.ts so that
// reading them (for --help) does not load the Kubernetes client.
export const SELF_SIGNED_DEFAULTS = {
  validityDays: 365,
  promoteAfterMs: 5 * 60_000,
  checkIntervalMs: 60_000,
  retryIntervalMs: 10_000,
} as const;
