import { generateCA, generateServingCert, type CertificatePair } from "./generate.js";
import { writeCertificateFiles } from "./write.js";

/** The names a server on this machine is dialled by. */
export const LOOPBACK_NAMES = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"] };

/** A serving certificate for loopback, signed by `ca`: for the demo, tests and benchmarks. */
export function generateLoopbackCert(ca: CertificatePair, validityDays?: number): CertificatePair {
  return generateServingCert(ca, { ...LOOPBACK_NAMES, validityDays });
}

/**
 * Writes a new CA (named `commonName`) and a loopback serving certificate it signed into `dir`,
 * as ca.crt, tls.crt and tls.key; returns the CA certificate a client must trust.
 */
export function writeLoopbackCertificates(dir: string, commonName: string): string {
  const ca = generateCA({ commonName });
  const serving = generateLoopbackCert(ca);
  writeCertificateFiles(dir, { caCert: ca.cert, cert: serving.cert, key: serving.key });
  return ca.cert;
}
