import type { V1Secret } from "@kubernetes/client-node";
import { describeApiError, statusOf } from "./api-error.js";
import type { KubeApi } from "./kube-api.js";

/**
 * The one Secret the self-signed mode keeps its certificates in. Writes are conditional, so of two
 * replicas writing at once the first wins and the other learns it lost (and reads again).
 */
export class SecretStore {
  constructor(
    private readonly api: KubeApi,
    readonly namespace: string,
    readonly name: string,
  ) {}

  #path(name = ""): string {
    const secrets = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/secrets`;
    return name === "" ? secrets : `${secrets}/${encodeURIComponent(name)}`;
  }

  get description(): string {
    return `Secret ${this.namespace}/${this.name}`;
  }

  /** The Secret, or undefined when it does not exist. */
  async read(): Promise<V1Secret | undefined> {
    try {
      return await this.api.get<V1Secret>(this.#path(this.name));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw describeApiError(`read ${this.description}`, error);
    }
  }

  /** Creates the Secret; false when another writer created it first. */
  async create(secret: V1Secret): Promise<boolean> {
    try {
      await this.api.create(this.#path(), secret);
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw describeApiError(`create ${this.description}`, error);
    }
  }

  /** Replaces the Secret if it still has `secret.metadata.resourceVersion`; false when it changed since. */
  async replace(secret: V1Secret): Promise<boolean> {
    try {
      await this.api.replace(this.#path(this.name), secret);
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw describeApiError(`update ${this.description}`, error);
    }
  }
}
