import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import { describeApiError, statusOf } from "./api-error.js";

/**
 * The one Secret the self-signed mode keeps its certificates in. Writes are conditional, so of two
 * replicas writing at once the first wins and the other learns it lost (and reads again).
 */
export class SecretStore {
  constructor(
    private readonly core: CoreV1Api,
    readonly namespace: string,
    readonly name: string,
  ) {}

  get description(): string {
    return `Secret ${this.namespace}/${this.name}`;
  }

  /** The Secret, or undefined when it does not exist. */
  async read(): Promise<V1Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw describeApiError(`read ${this.description}`, error);
    }
  }

  /** Creates the Secret; false when another writer created it first. */
  async create(secret: V1Secret): Promise<boolean> {
    try {
      await this.core.createNamespacedSecret({ namespace: this.namespace, body: secret });
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw describeApiError(`create ${this.description}`, error);
    }
  }

  /** Replaces the Secret if it still has `secret.metadata.resourceVersion`; false when it changed since. */
  async replace(secret: V1Secret): Promise<boolean> {
    try {
      await this.core.replaceNamespacedSecret({
        name: this.name,
        namespace: this.namespace,
        body: secret,
      });
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw describeApiError(`update ${this.description}`, error);
    }
  }
}
