import type { X509Certificate } from "node:crypto";
import { connect } from "node:tls";

/**
 * Opens a TLS connection to 127.0.0.1:`port` as the apiserver would: trusting only `ca` (a PEM
 * bundle) and checking the certificate against `servername`. Resolves with the certificate
 * served; rejects when the handshake or the verification fails.
 */
export function handshake(port: number, ca: string, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: "127.0.0.1", port, ca, servername, minVersion: "TLSv1.2" },
      () => {
        const peer = socket.getPeerX509Certificate();
        socket.end();
        if (peer === undefined) reject(new Error("the server sent no certificate"));
        else resolve(peer);
      },
    );
    socket.once("error", reject);
  });
}
