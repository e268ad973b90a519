import type { V1MutatingWebhookConfiguration } from "@kubernetes/client-node";
import { describeApiError } from "./api-error.js";
import type { KubeApi } from "./kube-api.js";
import { normalizePem, splitBundle } from "./pem.js";

const webhookPath = (name: string) =>
  `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(name)}`;

export async function readWebhookConfiguration(
  api: KubeApi,
  name: string,
): Promise<V1MutatingWebhookConfiguration> {
  try {
    return await api.get<V1MutatingWebhookConfiguration>(webhookPath(name));
  } catch (error) {
    throw describeApiError(`read MutatingWebhookConfiguration ${name} to set its caBundle`, error);
  }
}

/**
 * Whether every webhook of the configuration trusts a CA certificate (PEM): the test a staged CA
 * must pass before certificates it signs are served.
 */
export function caBundleTrusts(
  configuration: V1MutatingWebhookConfiguration,
): (caCert: string) => boolean {
  const bundles = (configuration.webhooks ?? []).map(
    (webhook) =>
      new Set(
        splitBundle(Buffer.from(webhook.clientConfig.caBundle ?? "", "base64").toString("utf8")),
      ),
  );
  return (caCert) =>
    bundles.length > 0 && bundles.every((bundle) => bundle.has(normalizePem(caCert)));
}

/**
 * Makes every webhook of the configuration trust `bundle` (PEM). Returns whether it had to patch.
 * Each change is guarded by a test of the webhook's name at that index, so a configuration edited
 * since it was read is refused rather than patched in the wrong place.
 */
export async function ensureCaBundle(
  api: KubeApi,
  configuration: V1MutatingWebhookConfiguration,
  bundle: string,
): Promise<boolean> {
  const name = configuration.metadata?.name ?? "";
  const caBundle = Buffer.from(bundle, "utf8").toString("base64");
  const patch = (configuration.webhooks ?? []).flatMap((webhook, index) =>
    webhook.clientConfig.caBundle === caBundle
      ? []
      : [
          { op: "test", path: `/webhooks/${index}/name`, value: webhook.name },
          { op: "add", path: `/webhooks/${index}/clientConfig/caBundle`, value: caBundle },
        ],
  );
  if (patch.length === 0) return false;
  try {
    await api.jsonPatch(webhookPath(name), patch);
  } catch (error) {
    throw describeApiError(`patch the caBundle of MutatingWebhookConfiguration ${name}`, error);
  }
  return true;
}
