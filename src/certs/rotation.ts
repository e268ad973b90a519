import { X509Certificate } from "node:crypto";
import { generateCA, generateServingCert, type CertificatePair } from "./generate.js";
import { normalizePem } from "./pem.js";

/**
 * What the self-signed mode keeps in its Secret. A CA is rotated in two steps so that no request
 * fails: first the new CA joins the caBundle (staged in `next`) while the old one still signs the
 * served certificate; once every apiserver has had time to load that bundle, the new CA takes
 * over. The old CA stays trusted until it expires, for replicas that have not reloaded yet.
 */
export interface SelfSignedCertificates {
  /** The CA that signed `serving`. */
  ca: CertificatePair;
  serving: CertificatePair;
  /** A CA already in the caBundle, waiting to sign the served certificate. */
  next?: { ca: CertificatePair; stagedAt: Date };
  /** Every CA certificate (PEM) the webhook configuration's caBundle carries. */
  trusted: string[];
}

export interface RotationPolicy {
  /** The names the serving certificate must carry. */
  dnsNames: string[];
  /** Lifetime of each CA and serving certificate. */
  validityDays: number;
  /** How long a staged CA sits in the caBundle before certificates it signs are served. */
  promoteAfterMs: number;
}

/** Rotation starts when this much of the active CA's lifetime has passed. */
export const ROTATE_AT_FRACTION = 2 / 3;

export function notAfter(pem: string): Date {
  return new Date(new X509Certificate(pem).validTo);
}

/** When the CA in `pem` should be replaced: two thirds into its lifetime. */
export function rotationTime(pem: string): Date {
  const x509 = new X509Certificate(pem);
  const from = Date.parse(x509.validFrom);
  const to = Date.parse(x509.validTo);
  return new Date(from + (to - from) * ROTATE_AT_FRACTION);
}

function dnsNamesOf(pem: string): string[] {
  const altNames = new X509Certificate(pem).subjectAltName ?? "";
  return altNames
    .split(", ")
    .filter((name) => name.startsWith("DNS:"))
    .map((name) => name.slice("DNS:".length));
}

function sameNames(a: string[], b: string[]): boolean {
  const wanted = new Set(b);
  return a.length === wanted.size && a.every((name) => wanted.has(name));
}

const normalized = (pair: CertificatePair): CertificatePair => ({
  cert: normalizePem(pair.cert),
  key: normalizePem(pair.key),
});

function newCA(policy: RotationPolicy, now: Date): CertificatePair {
  return normalized(generateCA({ validityDays: policy.validityDays, now }));
}

function issue(ca: CertificatePair, policy: RotationPolicy, now: Date): CertificatePair {
  return normalized(
    generateServingCert(ca, { dnsNames: policy.dnsNames, validityDays: policy.validityDays, now }),
  );
}

/** A new CA and serving certificate, trusted alone. */
export function initialCertificates(policy: RotationPolicy, now: Date): SelfSignedCertificates {
  const ca = newCA(policy, now);
  return { ca, serving: issue(ca, policy, now), trusted: [ca.cert] };
}

export interface Advance {
  certificates: SelfSignedCertificates;
  /** One line per change made, for the log; empty when there was nothing to do. */
  changes: string[];
}

// Starts over when the active pair ends before a staged CA could take over: an overlap is no
// longer possible, and an expired certificate fails every request anyway.
function replaceIfExpiring(
  current: SelfSignedCertificates,
  policy: RotationPolicy,
  now: Date,
): Advance | undefined {
  const ends = Math.min(
    notAfter(current.ca.cert).getTime(),
    notAfter(current.serving.cert).getTime(),
  );
  if (ends - now.getTime() > policy.promoteAfterMs) return undefined;
  const fresh = initialCertificates(policy, now);
  return {
    certificates: { ...fresh, trusted: [fresh.ca.cert, ...current.trusted] },
    changes: [
      `the certificates end at ${new Date(ends).toISOString()}, too soon for an overlap: replaced the CA and serving certificate`,
    ],
  };
}

function promoteOrStage(
  current: SelfSignedCertificates,
  policy: RotationPolicy,
  now: Date,
  apiserverTrusts: (caCert: string) => boolean,
): Advance {
  const { next } = current;
  if (next !== undefined) {
    // Serving a certificate the webhook's caBundle does not trust yet would fail every call.
    if (
      now.getTime() - next.stagedAt.getTime() < policy.promoteAfterMs ||
      !apiserverTrusts(next.ca.cert)
    )
      return { certificates: current, changes: [] };
    return {
      certificates: { ca: next.ca, serving: issue(next.ca, policy, now), trusted: current.trusted },
      changes: [
        `serving a certificate from the CA staged at ${next.stagedAt.toISOString()}; the old CA stays trusted until it expires`,
      ],
    };
  }
  if (now < rotationTime(current.ca.cert)) return { certificates: current, changes: [] };
  const ca = newCA(policy, now);
  return {
    certificates: {
      ...current,
      next: { ca, stagedAt: now },
      trusted: [...current.trusted, ca.cert],
    },
    changes: [
      `staged a new CA in the caBundle; it signs the served certificate from ${new Date(now.getTime() + policy.promoteAfterMs).toISOString()}`,
    ],
  };
}

function reissueForNames(
  current: SelfSignedCertificates,
  policy: RotationPolicy,
  now: Date,
): Advance {
  if (sameNames(dnsNamesOf(current.serving.cert), policy.dnsNames))
    return { certificates: current, changes: [] };
  return {
    certificates: { ...current, serving: issue(current.ca, policy, now) },
    changes: [`reissued the serving certificate for ${policy.dnsNames.join(", ")}`],
  };
}

// The caBundle keeps the active and staged CAs, and older ones until they expire.
function pruneTrusted(current: SelfSignedCertificates, now: Date): Advance {
  const inUse = [current.ca.cert, ...(current.next ? [current.next.ca.cert] : [])];
  const expired = current.trusted.filter((pem) => !inUse.includes(pem) && notAfter(pem) <= now);
  const missing = inUse.filter((pem) => !current.trusted.includes(pem));
  if (expired.length === 0 && missing.length === 0) return { certificates: current, changes: [] };
  const trusted = [
    ...new Set([...inUse, ...current.trusted.filter((pem) => !expired.includes(pem))]),
  ];
  const changes = [
    ...(expired.length > 0 ? [`dropped ${expired.length} expired CA(s) from the caBundle`] : []),
    ...(missing.length > 0
      ? [`added ${missing.length} CA(s) in use that the caBundle lacked`]
      : []),
  ];
  return { certificates: { ...current, trusted }, changes };
}

/**
 * Everything due at `now`: rotation steps, a serving certificate for changed names, pruning. A
 * staged CA takes over only once `apiserverTrusts` it: the webhook's caBundle carries it.
 */
export function advance(
  current: SelfSignedCertificates,
  policy: RotationPolicy,
  now: Date,
  apiserverTrusts: (caCert: string) => boolean,
): Advance {
  const steps =
    replaceIfExpiring(current, policy, now) ??
    promoteOrStage(current, policy, now, apiserverTrusts);
  const named = reissueForNames(steps.certificates, policy, now);
  const pruned = pruneTrusted(named.certificates, now);
  return {
    certificates: pruned.certificates,
    changes: [...steps.changes, ...named.changes, ...pruned.changes],
  };
}
