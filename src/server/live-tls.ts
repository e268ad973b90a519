import type { Server } from "node:https";
import type { Logger } from "pino";
import type { Metrics } from "./metrics.js";
import { readTlsMaterial, secureContextOptions, type TlsMaterial } from "./tls.js";

/**
 * The serving certificate, reloaded in place when its files change. setSecureContext applies to
 * new handshakes only: connections already open keep going, so a rotation drops nothing.
 */
export class LiveTls {
  #material: TlsMaterial | undefined;
  #problem: string | undefined;

  constructor(
    readonly dir: string,
    readonly clientCaPath: string | undefined,
    private readonly server: Server,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Why there is no certificate to serve with yet, or undefined once there is one. */
  get missing(): string | undefined {
    return this.#material === undefined ? (this.#problem ?? "not loaded yet") : undefined;
  }

  /** Reads the files again and serves them if they changed and form a valid pair. */
  reload(): void {
    try {
      const material = readTlsMaterial(this.dir, this.clientCaPath);
      if (material.fingerprint !== this.#material?.fingerprint) this.#serve(material);
      this.#problem = undefined;
    } catch (error) {
      this.#refuse((error as Error).message);
    }
  }

  #serve(material: TlsMaterial): void {
    this.server.setSecureContext(secureContextOptions(material));
    const first = this.#material === undefined;
    this.#material = material;
    this.metrics.tlsReloads.inc({ result: "success" });
    this.metrics.certificateNotAfter.set(material.notAfter.getTime() / 1000);
    const notAfter = material.notAfter.toISOString();
    this.logger.info(
      { dir: this.dir, notAfter },
      first ? "certificate loaded" : "certificate reloaded",
    );
    if (material.notAfter.getTime() <= Date.now()) {
      this.logger.warn(
        { notAfter },
        "the serving certificate has expired; the apiserver will refuse it",
      );
    }
  }

  #refuse(problem: string): void {
    if (problem === this.#problem) return;
    this.#problem = problem;
    this.metrics.tlsReloads.inc({ result: "failure" });
    const keeping =
      this.#material === undefined
        ? "nothing to serve with yet"
        : "the previous certificate stays in use";
    this.logger.error(
      { dir: this.dir, problem },
      `cannot load the serving certificate; ${keeping}`,
    );
  }
}
