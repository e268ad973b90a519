// node-forge writes PEM with \r\n line ends and the API hands back whatever was stored; certificates
// are compared as text, so every PEM is brought to one form first.

/** `pem` with \n line ends and exactly one final newline. */
export function normalizePem(pem: string): string {
  return `${pem.replace(/\r\n/g, "\n").trim()}\n`;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates in a PEM bundle, each normalized. */
export function splitBundle(bundle: string): string[] {
  return (bundle.match(PEM_CERTIFICATE) ?? []).map(normalizePem);
}
