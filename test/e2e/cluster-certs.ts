import { generateKeyPairSync } from "node:crypto";
import {
  generateCA,
  generateClientCert,
  generateServingCert,
  serviceDnsNames,
  type CertificatePair,
} from "../../src/certs/generate.js";

/** Everything the e2e cluster's TLS and service-account tokens need, all PEM. */
export interface ClusterCertificates {
  /** Signs the apiserver's serving certificate and the admin's client certificate. */
  ca: CertificatePair;
  apiserver: CertificatePair;
  /** A client certificate for an admin in group system:masters. */
  admin: CertificatePair;
  /** The key pair the apiserver signs and verifies service-account tokens with. */
  serviceAccount: { publicKey: string; privateKey: string };
}

/** Fresh certificates for an apiserver on 127.0.0.1 whose first service IP is `kubernetesServiceIP`. */
export function generateClusterCertificates(kubernetesServiceIP: string): ClusterCertificates {
  const ca = generateCA({ commonName: "meshtune-e2e-cluster-ca", validityDays: 1 });
  const apiserver = generateServingCert(ca, {
    dnsNames: ["localhost", ...serviceDnsNames("kubernetes", "default")],
    ipAddresses: ["127.0.0.1", kubernetesServiceIP],
    validityDays: 1,
  });
  // The apiserver reads the user from the common name and the groups from the organizations.
  const admin = generateClientCert(ca, {
    commonName: "meshtune-e2e-admin",
    organizations: ["system:masters"],
    validityDays: 1,
  });
  const serviceAccount = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { ca, apiserver, admin, serviceAccount };
}
