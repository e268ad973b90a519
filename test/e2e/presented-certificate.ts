import { X509Certificate } from "node:crypto";
import { connect } from "node:tls";

/** What a server on 127.0.0.1 presents to a new TLS connection, and whether `ca` verifies it. */
export interface Presented {
  certificate: X509Certificate;
  /** Verified against `ca` for `servername` (or 127.0.0.1), as the apiserver verifies it. */
  authorized: boolean;
  authorizationError?: string;
}

export function presentedCertificate(
  port: number,
  options: { ca?: string; servername?: string } = {},
): Promise<Presented> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      ca: options.ca,
      servername: options.servername,
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => {
      const raw = socket.getPeerX509Certificate()?.raw;
      const error = socket.authorizationError;
      socket.end();
      if (raw === undefined) {
        reject(new Error(`the server on port ${port} presented no certificate`));
        return;
      }
      resolve({
        certificate: new X509Certificate(raw),
        authorized: socket.authorized,
        authorizationError: error === null ? undefined : String(error),
      });
    });
    socket.once("error", reject);
  });
}
