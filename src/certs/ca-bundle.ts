import {
  PatchStrategy,
  setHeaderOptions,
  type AdmissionregistrationV1Api,
} from "@kubernetes/client-node";
import { describeApiError } from "./api-error.js";

/**
 * Makes every webhook in MutatingWebhookConfiguration `name` trust `bundle` (PEM). Returns whether
 * it had to patch. Each change is guarded by a test of the webhook's name at that index, so a
 * configuration edited in between is refused rather than patched in the wrong place.
 */
export async function ensureCaBundle(
  admission: AdmissionregistrationV1Api,
  name: string,
  bundle: string,
): Promise<boolean> {
  const what = `MutatingWebhookConfiguration ${name}`;
  let configuration;
  try {
    configuration = await admission.readMutatingWebhookConfiguration({ name });
  } catch (error) {
    throw describeApiError(`read ${what} to set its caBundle`, error);
  }
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
    await admission.patchMutatingWebhookConfiguration(
      { name, body: patch },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
  } catch (error) {
    throw describeApiError(`patch the caBundle of ${what}`, error);
  }
  return true;
}
