import type {
  V1ClusterRole,
  V1Deployment,
  V1MutatingWebhook,
  V1MutatingWebhookConfiguration,
  V1Role,
  V1Service,
} from "@kubernetes/client-node";
import type { KubeObject } from "./render.js";

/** The one object of `kind` (and `name`, when given); throws naming what is there instead. */
export function only<T = KubeObject>(objects: KubeObject[], kind: string, name?: string): T {
  const found = objects.filter(
    (object) => object.kind === kind && (name === undefined || object.metadata.name === name),
  );
  if (found.length !== 1) {
    const present = objects.map((object) => `${object.kind}/${object.metadata.name}`).join(", ");
    throw new Error(
      `expected one ${kind}${name ? ` named ${name}` : ""}, found ${found.length} among ${present}`,
    );
  }
  return found[0] as T;
}

export const deployment = (objects: KubeObject[]) => only<V1Deployment>(objects, "Deployment");
export const role = (objects: KubeObject[]) => only<V1Role>(objects, "Role");
export const clusterRole = (objects: KubeObject[]) => only<V1ClusterRole>(objects, "ClusterRole");
export const webhookService = (objects: KubeObject[], name: string) =>
  only<V1Service>(objects, "Service", name);

/** The configuration's webhooks: pods of namespaces not in Istio ambient, then those of ambient ones. */
export function webhooks(objects: KubeObject[]): [V1MutatingWebhook, V1MutatingWebhook] {
  const configuration = only<V1MutatingWebhookConfiguration>(
    objects,
    "MutatingWebhookConfiguration",
  );
  const [pods, ambient, ...rest] = configuration.webhooks ?? [];
  if (pods === undefined || ambient === undefined || rest.length > 0)
    throw new Error("expected exactly two webhooks in the configuration");
  return [pods, ambient];
}

/** The webhook for pods of namespaces not in Istio ambient; the other differs only where it must. */
export function webhook(objects: KubeObject[]): V1MutatingWebhook {
  return webhooks(objects)[0];
}

/** The value of `--name=value` in the meshtune container's arguments. */
export function argument(objects: KubeObject[], name: string): string | undefined {
  const args = deployment(objects).spec?.template.spec?.containers[0]?.args ?? [];
  const prefix = `--${name}=`;
  return args.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}
