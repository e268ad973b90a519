import type { V1MutatingWebhookConfiguration, V1Pod } from "@kubernetes/client-node";
import { MESHTUNE } from "../../src/policy/keys.js";
import { kustomizeBuild } from "../install/render.js";
import { only } from "../install/objects.js";
import { eventually } from "../server/harness.js";
import { KubectlError, type Cluster } from "./cluster.js";
import { createPod, type Created } from "./pods.js";

/** Where the apiserver reaches a webhook server on loopback, and the CA bundle it trusts it with. */
export interface Endpoint {
  /** https://127.0.0.1:<port>; each webhook's own path is appended. */
  url: string;
  /** PEM, one or more CA certificates; none leaves the caBundle for meshtune's self-signed mode to set. */
  caBundle?: string;
}

export type FailurePolicy = "Ignore" | "Fail";

/** The MutatingWebhookConfiguration `kubectl apply -k webhook/` installs, as written there. */
export function shippedWebhookConfiguration(): V1MutatingWebhookConfiguration {
  return only<V1MutatingWebhookConfiguration>(kustomizeBuild(), "MutatingWebhookConfiguration");
}

/**
 * `configuration` with each webhook's clientConfig turned from the in-cluster Service into a URL
 * on loopback with `endpoint`'s CA bundle; everything else is kept as it is.
 */
export function pointedAt(
  configuration: V1MutatingWebhookConfiguration,
  endpoint: Endpoint,
): V1MutatingWebhookConfiguration {
  const copy = structuredClone(configuration);
  for (const webhook of copy.webhooks ?? []) {
    const path = webhook.clientConfig.service?.path ?? "";
    webhook.clientConfig = { url: `${endpoint.url}${path}` };
    if (endpoint.caBundle !== undefined)
      webhook.clientConfig.caBundle = Buffer.from(endpoint.caBundle).toString("base64");
  }
  return copy;
}

/** `configuration` with every webhook's failurePolicy set to `policy`. */
export function withFailurePolicy(
  configuration: V1MutatingWebhookConfiguration,
  policy: FailurePolicy,
): V1MutatingWebhookConfiguration {
  const copy = structuredClone(configuration);
  for (const webhook of copy.webhooks ?? []) webhook.failurePolicy = policy;
  return copy;
}

/** Creates or updates an object with `kubectl apply`. */
export async function apply(cluster: Cluster, object: object): Promise<void> {
  await cluster.kubectl(["apply", "-f", "-"], JSON.stringify(object));
}

/** A creation the apiserver allowed, with meshtune's changes on the pod. */
export const wasTuned = (outcome: Created | KubectlError) =>
  !(outcome instanceof KubectlError) &&
  outcome.pod.metadata?.annotations?.[MESHTUNE.applied] !== undefined;

/** A creation the apiserver refused. */
export const wasRefused = (outcome: Created | KubectlError) => outcome instanceof KubectlError;

/**
 * Waits until a dry-run creation of `probe` passes `check`: the apiserver watches webhook
 * configurations and starts calling a new or changed one a moment after `kubectl apply` returns.
 * `check` sees the created pod, or the KubectlError of a refused creation.
 */
export async function untilAdmission(
  cluster: Cluster,
  probe: V1Pod,
  check: (outcome: Created | KubectlError) => boolean,
  what: string,
): Promise<void> {
  await eventually(async () => {
    const outcome = await createPod(cluster, probe, { dryRun: true }).catch((error: unknown) => {
      if (error instanceof KubectlError) return error;
      throw error;
    });
    if (!check(outcome)) {
      const seen =
        outcome instanceof KubectlError
          ? `the dry run failed: ${outcome.stderr.trim()}`
          : `the dry run gave a pod with annotations ${JSON.stringify(outcome.pod.metadata?.annotations ?? {})}`;
      throw new Error(`the apiserver has not started to ${what}; ${seen}`);
    }
  }, 30_000);
}
