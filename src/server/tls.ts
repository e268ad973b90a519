import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SecureContextOptions } from "node:tls";

/** What the server presents, and the client CA it verifies callers against. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
  notAfter: Date;
  /** Changes whenever any of the files' bytes change. */
  fingerprint: string;
}

export const MIN_TLS_VERSION = "TLSv1.2";

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read the ${what} ${path}: ${why}`, { cause: error });
  }
}

function parse<T>(what: string, path: string, parser: () => T): T {
  try {
    return parser();
  } catch (error) {
    throw new Error(`${path} is not a valid PEM ${what}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Reads tls.crt and tls.key from `dir` (and the client CA, when given) and checks that they
 * belong together; throws an Error saying which file is wrong. A pair caught in the middle of a
 * rotation (new certificate, old key) is refused, and the next look finds it complete.
 */
export function readTlsMaterial(dir: string, clientCaPath?: string): TlsMaterial {
  const certPath = join(dir, "tls.crt");
  const keyPath = join(dir, "tls.key");
  const cert = read(certPath, "serving certificate");
  const key = read(keyPath, "private key");
  const clientCa = clientCaPath === undefined ? undefined : read(clientCaPath, "client CA");
  const x509 = parse("certificate", certPath, () => new X509Certificate(cert));
  const privateKey = parse("private key", keyPath, () => createPrivateKey(key));
  if (!x509.checkPrivateKey(privateKey)) {
    throw new Error(
      `${keyPath} is not the key of ${certPath}; if they are being rotated, the next reload picks up the pair`,
    );
  }
  if (clientCa !== undefined)
    parse("CA certificate", clientCaPath as string, () => new X509Certificate(clientCa));
  const hash = createHash("sha256").update(cert).update(key);
  if (clientCa !== undefined) hash.update(clientCa);
  return { cert, key, clientCa, notAfter: new Date(x509.validTo), fingerprint: hash.digest("hex") };
}

/** Options for tls.createSecureContext; the minimum version goes in each time, as setSecureContext resets it. */
export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    ca: material.clientCa,
    minVersion: MIN_TLS_VERSION,
  };
}
