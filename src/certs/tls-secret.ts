import { X509Certificate, createPrivateKey } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import { normalizePem, splitBundle } from "./pem.js";
import type { SelfSignedCertificates } from "./rotation.js";

// The keys a kubernetes.io/tls Secret has (tls.crt, tls.key, ca.crt), plus what rotation needs.
const KEYS = {
  cert: "tls.crt",
  key: "tls.key",
  caCert: "ca.crt",
  caKey: "ca.key",
  trusted: "ca-bundle.crt",
  nextCaCert: "next-ca.crt",
  nextCaKey: "next-ca.key",
} as const;

export const STAGED_AT_ANNOTATION = "meshtune.dev/next-ca-staged-at";

/** A Secret that exists but cannot be read as meshtune's self-signed certificates. */
export class TlsSecretError extends Error {
  override name = "TlsSecretError";
}

const encode = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The Secret holding `certificates`; a resourceVersion makes the write conditional on it. */
export function toSecret(
  certificates: SelfSignedCertificates,
  where: { namespace: string; name: string; resourceVersion?: string },
): V1Secret {
  const { next } = certificates;
  const data: Record<string, string> = {
    [KEYS.cert]: encode(certificates.serving.cert),
    [KEYS.key]: encode(certificates.serving.key),
    [KEYS.caCert]: encode(certificates.ca.cert),
    [KEYS.caKey]: encode(certificates.ca.key),
    [KEYS.trusted]: encode(certificates.trusted.join("")),
  };
  if (next) {
    data[KEYS.nextCaCert] = encode(next.ca.cert);
    data[KEYS.nextCaKey] = encode(next.ca.key);
  }
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: {
      name: where.name,
      namespace: where.namespace,
      resourceVersion: where.resourceVersion,
      labels: { "app.kubernetes.io/name": "meshtune", "app.kubernetes.io/managed-by": "meshtune" },
      annotations: next ? { [STAGED_AT_ANNOTATION]: next.stagedAt.toISOString() } : {},
    },
    data,
  };
}

function describe(secret: V1Secret): string {
  return `Secret ${secret.metadata?.namespace ?? "?"}/${secret.metadata?.name ?? "?"}`;
}

/** Reads the certificates back; throws TlsSecretError naming the key that is missing or broken. */
export function fromSecret(secret: V1Secret): SelfSignedCertificates {
  const where = describe(secret);
  const notOurs = `; it was not written by meshtune's self-signed mode. Delete it and meshtune creates a new one, or name another Secret`;
  const read = (key: string): string => {
    const value = secret.data?.[key];
    if (value === undefined) throw new TlsSecretError(`${where} has no ${key}${notOurs}`);
    return normalizePem(Buffer.from(value, "base64").toString("utf8"));
  };
  const certificate = (key: string): string => {
    const pem = read(key);
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new TlsSecretError(
        `${where}: ${key} is not a PEM certificate (${(error as Error).message})${notOurs}`,
      );
    }
    return pem;
  };
  const privateKey = (key: string): string => {
    const pem = read(key);
    try {
      createPrivateKey(pem);
    } catch (error) {
      throw new TlsSecretError(
        `${where}: ${key} is not a PEM private key (${(error as Error).message})${notOurs}`,
      );
    }
    return pem;
  };

  const certificates: SelfSignedCertificates = {
    ca: { cert: certificate(KEYS.caCert), key: privateKey(KEYS.caKey) },
    serving: { cert: certificate(KEYS.cert), key: privateKey(KEYS.key) },
    trusted: splitBundle(read(KEYS.trusted)),
  };
  if (secret.data?.[KEYS.nextCaCert] !== undefined) {
    const stagedAt = new Date(secret.metadata?.annotations?.[STAGED_AT_ANNOTATION] ?? "");
    if (Number.isNaN(stagedAt.getTime())) {
      throw new TlsSecretError(
        `${where} has a staged CA but no valid ${STAGED_AT_ANNOTATION} annotation${notOurs}`,
      );
    }
    certificates.next = {
      ca: { cert: certificate(KEYS.nextCaCert), key: privateKey(KEYS.nextCaKey) },
      stagedAt,
    };
  }
  return certificates;
}
