import { createRequire } from "node:module";
import { isIP } from "node:net";
import type Forge from "node-forge";

let loaded: typeof Forge | undefined;

/**
 * node-forge, loaded when a certificate is first made: a server whose certificates exist never
 * makes one, and loading it is a tenth of the self-signed mode's start.
 */
function forge(): typeof Forge {
  return (loaded ??= createRequire(import.meta.url)("node-forge") as typeof Forge);
}

/** A certificate and its private key, both PEM. */
export interface CertificatePair {
  cert: string;
  key: string;
}

export interface CAOptions {
  commonName?: string;
  validityDays?: number;
  /** The moment validity counts from; tests and rotation pass their own clock. */
  now?: Date;
}

export interface ServingCertOptions {
  /** Subject alternative names the client connects to; the first is also the common name. */
  dnsNames: string[];
  ipAddresses?: string[];
  validityDays?: number;
  now?: Date;
}

const KEY_BITS = 2048;
const DAY_MS = 86_400_000;
// Certificates start a little in the past, so a client whose clock lags ours still accepts them.
const BACKDATE_MS = 5 * 60_000;

function checkValidityDays(days: number): void {
  if (!Number.isInteger(days) || days < 1) {
    throw new RangeError(`validityDays must be a whole number of days, at least 1; got ${days}`);
  }
}

function checkIpAddress(address: string): void {
  if (isIP(address) === 0) throw new RangeError(`"${address}" is not an IPv4 or IPv6 address`);
}

// A positive 128-bit serial: random, so two certificates from one CA never share one.
function randomSerial(): string {
  const hex = forge().util.bytesToHex(forge().random.getBytesSync(16));
  return (parseInt(hex.slice(0, 1), 16) & 0x7).toString(16) + hex.slice(1);
}

function newCertificate(
  publicKey: Forge.pki.PublicKey,
  now: Date,
  validityDays: number,
): Forge.pki.Certificate {
  const cert = forge().pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * DAY_MS);
  return cert;
}

/** A self-signed certificate authority for the webhook's serving certificates. */
export function generateCA(options: CAOptions = {}): CertificatePair {
  const { commonName = "meshtune-ca", validityDays = 3650, now = new Date() } = options;
  checkValidityDays(validityDays);
  const keys = forge().pki.rsa.generateKeyPair({ bits: KEY_BITS });
  const cert = newCertificate(keys.publicKey, now, validityDays);
  const subject = [{ name: "commonName", value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(keys.privateKey, forge().md.sha256.create());
  return {
    cert: forge().pki.certificateToPem(cert),
    key: forge().pki.privateKeyToPem(keys.privateKey),
  };
}

export interface ClientCertOptions {
  /** The user the certificate names. */
  commonName: string;
  /** Groups, as organizations: the apiserver reads them so. */
  organizations?: string[];
  validityDays?: number;
  now?: Date;
}

/** A new key and certificate signed by `ca`. It never outlives the CA: a chain ends with its shortest link. */
function signedByCA(
  ca: CertificatePair,
  subject: Forge.pki.CertificateField[],
  extensions: object[],
  validity: { validityDays: number; now: Date },
): CertificatePair {
  checkValidityDays(validity.validityDays);
  const caCert = forge().pki.certificateFromPem(ca.cert);
  const keys = forge().pki.rsa.generateKeyPair({ bits: KEY_BITS });
  const cert = newCertificate(keys.publicKey, validity.now, validity.validityDays);
  if (cert.validity.notAfter > caCert.validity.notAfter)
    cert.validity.notAfter = caCert.validity.notAfter;
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    ...extensions,
    { name: "subjectKeyIdentifier" },
    {
      name: "authorityKeyIdentifier",
      keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  cert.sign(forge().pki.privateKeyFromPem(ca.key), forge().md.sha256.create());
  return {
    cert: forge().pki.certificateToPem(cert),
    key: forge().pki.privateKeyToPem(keys.privateKey),
  };
}

/** A serving certificate signed by `ca`, for the names the apiserver dials. */
export function generateServingCert(
  ca: CertificatePair,
  options: ServingCertOptions,
): CertificatePair {
  const { dnsNames, ipAddresses = [], validityDays = 365, now = new Date() } = options;
  const commonName = dnsNames[0];
  if (commonName === undefined)
    throw new RangeError("a serving certificate needs at least one DNS name");
  ipAddresses.forEach(checkIpAddress);
  const altNames = [
    ...dnsNames.map((value) => ({ type: 2, value })),
    ...ipAddresses.map((ip) => ({ type: 7, ip })),
  ];
  return signedByCA(
    ca,
    [{ name: "commonName", value: commonName }],
    [
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
    { validityDays, now },
  );
}

/** A client certificate signed by `ca`: what the apiserver presents when the server verifies callers (--client-ca). */
export function generateClientCert(
  ca: CertificatePair,
  options: ClientCertOptions,
): CertificatePair {
  const { commonName, organizations = [], validityDays = 365, now = new Date() } = options;
  return signedByCA(
    ca,
    [
      { name: "commonName", value: commonName },
      ...organizations.map((value) => ({ name: "organizationName", value })),
    ],
    [{ name: "extKeyUsage", clientAuth: true }],
    { validityDays, now },
  );
}

/** The names the apiserver may use to reach Service `service` in `namespace`. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}
