import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The files a webhook's TLS directory holds, named as in a kubernetes.io/tls Secret. */
export interface CertificateFiles {
  /** The CA certificate (PEM): the webhook configuration's caBundle. */
  caCert: string;
  /** The serving certificate (PEM). */
  cert: string;
  /** The serving certificate's private key (PEM). */
  key: string;
}

// Each file is written beside its final name and renamed over it, so a server watching the
// directory never reads half a file.
function writeAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  chmodSync(temporary, mode); // a leftover temporary file keeps its old mode through writeFileSync
  renameSync(temporary, path);
}

/** Writes ca.crt, tls.crt and tls.key into `dir` (created if missing); only the owner can read the key. */
export function writeCertificateFiles(dir: string, files: CertificateFiles): void {
  mkdirSync(dir, { recursive: true });
  writeAtomically(join(dir, "tls.key"), files.key, 0o600);
  writeAtomically(join(dir, "tls.crt"), files.cert, 0o644);
  writeAtomically(join(dir, "ca.crt"), files.caCert, 0o644);
}
