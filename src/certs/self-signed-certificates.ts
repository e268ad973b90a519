import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { caBundleTrusts, ensureCaBundle, readWebhookConfiguration } from "./ca-bundle.js";
import { serviceDnsNames } from "./generate.js";
import type { KubeApi } from "./kube-api.js";
import {
  advance,
  initialCertificates,
  notAfter,
  type RotationPolicy,
  type SelfSignedCertificates,
} from "./rotation.js";
import { SecretStore } from "./secret-store.js";
import { SELF_SIGNED_DEFAULTS } from "./self-signed-defaults.js";
import { fromSecret, toSecret } from "./tls-secret.js";
import { writeCertificateFiles } from "./write.js";

export interface SelfSignedOptions {
  /** The Kubernetes API, where the Secret and the webhook configuration are. */
  api: KubeApi;
  /** Where the Secret and the Service live: the pod's own namespace. */
  namespace: string;
  secretName: string;
  /** The Service the apiserver calls; the serving certificate carries its DNS names. */
  serviceName: string;
  /** The MutatingWebhookConfiguration whose caBundle is kept up to date. */
  webhookName: string;
  /** The directory the server loads tls.crt and tls.key from, and reloads when they change. */
  tlsDir: string;
  validityDays: number;
  logger: Logger;
  /** Called when the TLS directory has new files, so the server serves them at once. */
  onFilesWritten?: () => void;
  /** How long a new CA is trusted before it is used; apiservers pick up the caBundle in seconds. */
  promoteAfterMs?: number;
  /** How often the Secret is looked at when all is well. */
  checkIntervalMs?: number;
  /** How soon a failed round is tried again. */
  retryIntervalMs?: number;
  now?: () => Date;
}

// Enough for every replica of a Deployment to lose a race once; more means something keeps
// rewriting the Secret.
const WRITE_ATTEMPTS = 5;

export interface RoundResult {
  certificates: SelfSignedCertificates;
  /** What this replica changed in the Secret, one line each. */
  changes: string[];
  wroteFiles: boolean;
  patchedCaBundle: boolean;
}

/**
 * In-cluster self-signed certificates: keeps a CA and serving certificate in a Secret (creating it
 * when missing), rotates them, writes the served pair into the server's TLS directory and the
 * trusted CAs into the webhook configuration's caBundle. Every replica runs one; they agree
 * through the Secret's resourceVersion.
 */
export class SelfSignedCertificatesKeeper {
  readonly #store: SecretStore;
  readonly #policy: RotationPolicy;
  readonly #now: () => Date;
  /** Whether the TLS directory holds the Secret's serving certificate. */
  #filesInPlace = false;

  constructor(private readonly options: SelfSignedOptions) {
    this.#store = new SecretStore(options.api, options.namespace, options.secretName);
    this.#policy = {
      dnsNames: serviceDnsNames(options.serviceName, options.namespace),
      validityDays: options.validityDays,
      promoteAfterMs: options.promoteAfterMs ?? SELF_SIGNED_DEFAULTS.promoteAfterMs,
    };
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * One round: settle the Secret, write the TLS directory, set the caBundle. The files are written
   * before the caBundle is patched, so the server can serve even when the patch fails; it throws
   * then, and the next round tries again.
   */
  async round(): Promise<RoundResult> {
    // A configuration that cannot be read trusts no new CA: no promotion, but the files are still
    // written, and the round then fails with the reason.
    const configuration = await readWebhookConfiguration(
      this.options.api,
      this.options.webhookName,
    ).catch((error: unknown) => error as Error);
    const trusts = configuration instanceof Error ? () => false : caBundleTrusts(configuration);
    const { certificates, changes } = await this.#settleSecret(trusts);
    const wroteFiles = this.#writeFiles(certificates);
    this.#filesInPlace = true;
    if (wroteFiles) {
      this.options.logger.info({ dir: this.options.tlsDir }, "serving certificate written");
      this.options.onFilesWritten?.();
    }
    if (configuration instanceof Error) throw configuration;
    const patchedCaBundle = await ensureCaBundle(
      this.options.api,
      configuration,
      certificates.trusted.join(""),
    );
    if (patchedCaBundle) {
      this.options.logger.info(
        { webhook: this.options.webhookName, cas: certificates.trusted.length },
        "caBundle updated",
      );
    }
    return { certificates, changes, wroteFiles, patchedCaBundle };
  }

  async #settleSecret(
    trusts: (caCert: string) => boolean,
  ): Promise<{ certificates: SelfSignedCertificates; changes: string[] }> {
    const where = { namespace: this.options.namespace, name: this.options.secretName };
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const now = this.#now();
      const secret = await this.#store.read();
      if (secret === undefined) {
        const certificates = initialCertificates(this.#policy, now);
        // Losing the race to create means another replica's CA is the one: read it next time round.
        if (await this.#store.create(toSecret(certificates, where))) {
          return this.#changed(certificates, [
            `created a CA and serving certificate, valid until ${notAfter(certificates.serving.cert).toISOString()}`,
          ]);
        }
        continue;
      }
      const { certificates, changes } = advance(fromSecret(secret), this.#policy, now, trusts);
      if (changes.length === 0) return { certificates, changes };
      if (
        await this.#store.replace(
          toSecret(certificates, { ...where, resourceVersion: secret.metadata?.resourceVersion }),
        )
      ) {
        return this.#changed(certificates, changes);
      }
    }
    throw new Error(
      `${this.#store.description} changed during each of ${WRITE_ATTEMPTS} attempts to update it; something else keeps writing it`,
    );
  }

  #changed(certificates: SelfSignedCertificates, changes: string[]) {
    for (const change of changes)
      this.options.logger.info({ secret: this.#store.description }, `certificates: ${change}`);
    return { certificates, changes };
  }

  // Writes only what differs, so an unchanged round does not make the server reload.
  #writeFiles(certificates: SelfSignedCertificates): boolean {
    const files = {
      caCert: certificates.trusted.join(""),
      cert: certificates.serving.cert,
      key: certificates.serving.key,
    };
    const onDisk = (name: string) => {
      try {
        return readFileSync(join(this.options.tlsDir, name), "utf8");
      } catch {
        return undefined;
      }
    };
    if (
      onDisk("ca.crt") === files.caCert &&
      onDisk("tls.crt") === files.cert &&
      onDisk("tls.key") === files.key
    )
      return false;
    writeCertificateFiles(this.options.tlsDir, files);
    return true;
  }

  /**
   * Runs a round now and then every checkIntervalMs (retryIntervalMs after a failure), logging
   * failures. `ready` resolves once the TLS directory holds a certificate.
   */
  start(): { ready: Promise<void>; stop: () => void } {
    const { logger } = this.options;
    const checkMs = this.options.checkIntervalMs ?? SELF_SIGNED_DEFAULTS.checkIntervalMs;
    const retryMs = this.options.retryIntervalMs ?? SELF_SIGNED_DEFAULTS.retryIntervalMs;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));

    const tick = async () => {
      let delayMs = checkMs;
      try {
        await this.round();
      } catch (error) {
        delayMs = retryMs;
        logger.error(
          { problem: (error as Error).message, retryInSeconds: retryMs / 1000 },
          "self-signed certificates: round failed",
        );
      }
      if (this.#filesInPlace) markReady();
      if (!stopped) timer = setTimeout(() => void tick(), delayMs).unref();
    };
    void tick();
    return {
      ready,
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }
}
