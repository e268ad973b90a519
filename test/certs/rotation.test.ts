import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { serviceDnsNames } from "../../src/certs/generate.js";
import {
  advance,
  initialCertificates,
  notAfter,
  rotationTime,
  type RotationPolicy,
} from "../../src/certs/rotation.js";
import { fromSecret, toSecret, TlsSecretError } from "../../src/certs/tls-secret.js";

const DAY = 86_400_000;
const policy: RotationPolicy = {
  dnsNames: serviceDnsNames("meshtune", "meshtune"),
  validityDays: 30,
  promoteAfterMs: 60_000,
};
const start = new Date("2026-03-01T00:00:00Z");
const at = (days: number) => new Date(start.getTime() + days * DAY);
const trustsAll = () => true;

function signedBy(cert: string, ca: string): boolean {
  return new X509Certificate(cert).verify(new X509Certificate(ca).publicKey);
}

describe("self-signed rotation", () => {
  const initial = initialCertificates(policy, start);

  it("starts with one CA, trusted alone, signing a certificate for the Service's names", () => {
    expect(initial.trusted).toEqual([initial.ca.cert]);
    expect(signedBy(initial.serving.cert, initial.ca.cert)).toBe(true);
    const serving = new X509Certificate(initial.serving.cert);
    expect(serving.subjectAltName).toBe(
      "DNS:meshtune, DNS:meshtune.meshtune, DNS:meshtune.meshtune.svc, DNS:meshtune.meshtune.svc.cluster.local",
    );
    expect(notAfter(initial.serving.cert).getTime()).toBeLessThanOrEqual(at(30).getTime());
    expect(notAfter(initial.serving.cert).getTime()).toBeGreaterThan(at(29.9).getTime());
  });

  it("rotates at two thirds of the CA's lifetime", () => {
    expect(Math.abs(rotationTime(initial.ca.cert).getTime() - at(20).getTime())).toBeLessThan(
      5 * 60_000,
    );
  });

  it("changes nothing before two thirds of the lifetime", () => {
    expect(advance(initial, policy, at(19.9), trustsAll)).toEqual({
      certificates: initial,
      changes: [],
    });
  });

  it("stages a new CA in the caBundle at two thirds, still serving the old certificate", () => {
    const { certificates, changes } = advance(initial, policy, at(20.1), trustsAll);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatch(/^staged a new CA/);
    expect(certificates.serving).toEqual(initial.serving);
    expect(certificates.ca).toEqual(initial.ca);
    expect(certificates.trusted).toEqual([initial.ca.cert, certificates.next?.ca.cert]);
  });

  it("serves from the staged CA only once promoteAfter has passed, keeping the old CA trusted", () => {
    const staged = advance(initial, policy, at(20.1), trustsAll).certificates;
    const early = new Date(at(20.1).getTime() + policy.promoteAfterMs - 1);
    expect(advance(staged, policy, early, trustsAll).changes).toEqual([]);

    const { certificates, changes } = advance(
      staged,
      policy,
      new Date(at(20.1).getTime() + policy.promoteAfterMs),
      trustsAll,
    );
    expect(changes[0]).toMatch(/^serving a certificate from the CA staged at/);
    expect(certificates.ca).toEqual(staged.next?.ca);
    expect(certificates.next).toBeUndefined();
    expect(signedBy(certificates.serving.cert, certificates.ca.cert)).toBe(true);
    expect(certificates.trusted).toEqual([initial.ca.cert, certificates.ca.cert]);
  });

  it("keeps serving the old CA's certificate while the apiserver does not trust the staged CA", () => {
    const staged = advance(initial, policy, at(20.1), trustsAll).certificates;
    const notYet = (caCert: string) => caCert === initial.ca.cert;
    expect(advance(staged, policy, at(25), notYet)).toEqual({ certificates: staged, changes: [] });
  });

  it("drops the old CA from the caBundle once it has expired", () => {
    const staged = advance(initial, policy, at(20.1), trustsAll).certificates;
    const promoted = advance(staged, policy, at(20.2), trustsAll).certificates;
    expect(advance(promoted, policy, at(29.9), trustsAll).changes).toEqual([]);

    const { certificates, changes } = advance(promoted, policy, at(30.1), trustsAll);
    expect(changes).toEqual(["dropped 1 expired CA(s) from the caBundle"]);
    expect(certificates.trusted).toEqual([promoted.ca.cert]);
  });

  it("replaces everything at once when the certificates end too soon for an overlap", () => {
    const { certificates, changes } = advance(initial, policy, at(31), trustsAll);
    expect(changes[0]).toMatch(/too soon for an overlap: replaced the CA and serving certificate/);
    expect(certificates.ca.cert).not.toBe(initial.ca.cert);
    expect(signedBy(certificates.serving.cert, certificates.ca.cert)).toBe(true);
    expect(certificates.trusted).toEqual([certificates.ca.cert]);
  });

  it("reissues the serving certificate from the same CA when the Service's names change", () => {
    const renamed = { ...policy, dnsNames: serviceDnsNames("meshtune-webhook", "platform") };
    const { certificates, changes } = advance(initial, renamed, at(1), trustsAll);
    expect(changes).toEqual([
      `reissued the serving certificate for ${renamed.dnsNames.join(", ")}`,
    ]);
    expect(certificates.ca).toEqual(initial.ca);
    expect(certificates.trusted).toEqual(initial.trusted);
    expect(
      new X509Certificate(certificates.serving.cert).checkHost("meshtune-webhook.platform.svc"),
    ).toBe("meshtune-webhook.platform.svc");
  });
});

describe("the self-signed Secret", () => {
  const where = { namespace: "meshtune", name: "meshtune-tls" };
  const initial = initialCertificates(policy, start);

  it("reads back what it wrote, a staged CA included", () => {
    const staged = advance(initial, policy, at(20.1), trustsAll).certificates;
    const secret = toSecret(staged, where);
    expect(secret.type).toBe("kubernetes.io/tls");
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(
      [
        "ca-bundle.crt",
        "ca.crt",
        "ca.key",
        "next-ca.crt",
        "next-ca.key",
        "tls.crt",
        "tls.key",
      ].sort(),
    );
    expect(fromSecret(secret)).toEqual(staged);
  });

  it("refuses a Secret it did not write, naming the missing key and what to do", () => {
    const secret = toSecret(initial, where);
    delete secret.data?.["ca.key"];
    expect(() => fromSecret(secret)).toThrow(TlsSecretError);
    expect(() => fromSecret(secret)).toThrow(
      /Secret meshtune\/meshtune-tls has no ca\.key; it was not written by meshtune's self-signed mode\. Delete it/,
    );
  });

  it("refuses a Secret whose certificate is not PEM, naming the key", () => {
    const secret = toSecret(initial, where);
    (secret.data as Record<string, string>)["tls.crt"] =
      Buffer.from("not a certificate").toString("base64");
    expect(() => fromSecret(secret)).toThrow(/tls\.crt is not a PEM certificate/);
  });
});
