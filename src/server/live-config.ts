import type { Logger } from "pino";
import { ConfigError, parseConfig, readConfigText } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { Metrics } from "./metrics.js";

/**
 * The config in force, reloaded when its file changes. A new config that fails validation is
 * refused and the one in force stays, so a bad ConfigMap edit never stops admissions.
 */
export class LiveConfig {
  #config: Config;
  #text: string;
  #lastFailure: string | undefined;

  /** Loads the config at `path`; throws ConfigError when it is unusable, as there is nothing to fall back on. */
  constructor(
    readonly path: string,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.#text = readConfigText(path);
    this.#config = parseConfig(this.#text, this.path);
  }

  get current(): Config {
    return this.#config;
  }

  /** Looks at the file again and applies it if it changed and is valid. */
  reload(): void {
    try {
      const text = readConfigText(this.path);
      if (text !== this.#text) this.#apply(text, parseConfig(text, this.path));
      this.#lastFailure = undefined;
    } catch (error) {
      this.#refuse(error as Error);
    }
  }

  #apply(text: string, config: Config): void {
    this.#text = text;
    this.#config = config;
    this.metrics.configReloads.inc({ result: "success" });
    this.logger.info(
      { path: this.path, profiles: config.profiles.map(({ name }) => name) },
      "config reloaded",
    );
  }

  #refuse(error: Error): void {
    // The poll looks at a broken file again and again; say so once per distinct problem.
    if (error.message === this.#lastFailure) return;
    this.#lastFailure = error.message;
    this.metrics.configReloads.inc({ result: "failure" });
    const problems = error instanceof ConfigError ? error.problems : [error.message];
    this.logger.error(
      { path: this.path, problems },
      "config change refused; the previous config stays in force",
    );
  }
}
