import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";
import {
  generateCA,
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

const DAY_MS = 86_400_000;

function generateClientCert(ca: CertificatePair, user: string, groups: string[]): CertificatePair {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  // A leading 01 keeps the random serial positive, as X.509 requires.
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  cert.validity.notBefore = new Date(Date.now() - 5 * 60_000);
  cert.validity.notAfter = new Date(Date.now() + DAY_MS);
  // The apiserver reads the user from the common name and the groups from the organizations.
  cert.setSubject([
    { name: "commonName", value: user },
    ...groups.map((group) => ({ name: "organizationName", value: group })),
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", clientAuth: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return {
    cert: forge.pki.certificateToPem(cert),
    key: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/** Fresh certificates for an apiserver on 127.0.0.1 whose first service IP is `kubernetesServiceIP`. */
export function generateClusterCertificates(kubernetesServiceIP: string): ClusterCertificates {
  const ca = generateCA({ commonName: "meshtune-e2e-cluster-ca", validityDays: 1 });
  const apiserver = generateServingCert(ca, {
    dnsNames: ["localhost", ...serviceDnsNames("kubernetes", "default")],
    ipAddresses: ["127.0.0.1", kubernetesServiceIP],
    validityDays: 1,
  });
  const admin = generateClientCert(ca, "meshtune-e2e-admin", ["system:masters"]);
  const serviceAccount = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { ca, apiserver, admin, serviceAccount };
}
