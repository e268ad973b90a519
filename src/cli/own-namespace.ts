import { readFileSync } from "node:fs";

/** Where the kubelet puts the pod's namespace, with the service account token. */
const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/**
 * meshtune's own namespace: the one given (by --own-namespace or POD_NAMESPACE), else the pod's
 * service-account file, else undefined (meshtune runs outside a cluster).
 */
export function resolveOwnNamespace(
  given: string | undefined,
  file = SERVICE_ACCOUNT_NAMESPACE,
): string | undefined {
  if (given !== undefined && given !== "") return given;
  try {
    return readFileSync(file, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
