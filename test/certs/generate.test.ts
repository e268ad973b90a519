import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer } from "node:tls";
import { describe, expect, it } from "vitest";
import { certsCommand } from "../../src/cli/certs.js";
import {
  generateCA,
  generateClientCert,
  generateServingCert,
  serviceDnsNames,
} from "../../src/certs/generate.js";
import { writeCertificateFiles } from "../../src/certs/write.js";

const NOW = new Date("2025-06-01T12:00:00Z");
const DAY_MS = 86_400_000;
const ca = generateCA({ now: NOW });
const names = serviceDnsNames("meshtune", "meshtune-system");
const serving = generateServingCert(ca, {
  dnsNames: names,
  ipAddresses: ["10.96.0.42", "fd00::42"],
  now: NOW,
});

/** A real handshake against a server presenting `pair`, trusting `trusted`; resolves with whether it verified. */
function handshake(
  pair: { cert: string; key: string },
  trusted: string,
  servername: string,
): Promise<boolean> {
  const server = createServer({ cert: pair.cert, key: pair.key, minVersion: "TLSv1.2" }, (socket) =>
    socket.end(),
  );
  return new Promise((resolve, reject) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      const socket = connect(
        { host: "127.0.0.1", port, ca: trusted, servername, rejectUnauthorized: false },
        () => {
          resolve(socket.authorized);
          socket.destroy();
          server.close();
        },
      );
      socket.on("error", reject);
    });
  });
}

describe("generateCA", () => {
  it("makes a self-signed CA certificate that node:crypto accepts as a CA", () => {
    const x509 = new X509Certificate(ca.cert);
    expect(x509.ca).toBe(true);
    expect(x509.subject).toBe("CN=meshtune-ca");
    expect(x509.verify(x509.publicKey)).toBe(true);
  });

  it("counts validity from the given clock, starting a few minutes early for clock skew", () => {
    const x509 = new X509Certificate(
      generateCA({ commonName: "test-ca", validityDays: 30, now: NOW }).cert,
    );
    expect(new Date(x509.validFrom).getTime()).toBe(NOW.getTime() - 5 * 60_000);
    expect(new Date(x509.validTo).getTime()).toBe(NOW.getTime() + 30 * DAY_MS);
  });

  it("refuses a validity that is not a whole number of days", () => {
    expect(() => generateCA({ validityDays: 0 })).toThrow(
      "validityDays must be a whole number of days, at least 1; got 0",
    );
    expect(() => generateCA({ validityDays: 1.5 })).toThrow("got 1.5");
  });
});

describe("generateServingCert", () => {
  it("is signed by the CA and names the service, its DNS forms and the IPs", () => {
    const x509 = new X509Certificate(serving.cert);
    expect(x509.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(x509.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(x509.ca).toBe(false);
    expect(x509.subject).toBe("CN=meshtune");
    expect(x509.subjectAltName).toBe(
      "DNS:meshtune, DNS:meshtune.meshtune-system, DNS:meshtune.meshtune-system.svc, " +
        "DNS:meshtune.meshtune-system.svc.cluster.local, IP Address:10.96.0.42, IP Address:FD00:0:0:0:0:0:0:42",
    );
    expect(x509.checkHost("meshtune.meshtune-system.svc")).toBe("meshtune.meshtune-system.svc");
    expect(x509.checkIP("10.96.0.42")).toBe("10.96.0.42");
  });

  it("holds the key that belongs to it", () => {
    const x509 = new X509Certificate(serving.cert);
    expect(x509.checkPrivateKey(createPrivateKey(serving.key))).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(ca.key))).toBe(false);
  });

  it("completes a real TLS handshake that verifies against the CA", async () => {
    const local = generateServingCert(ca, { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
    await expect(handshake(local, ca.cert, "localhost")).resolves.toBe(true);
    await expect(handshake(local, generateCA().cert, "localhost")).resolves.toBe(false);
  });

  it("is valid for a year by default and never past its CA's end", () => {
    expect(new Date(new X509Certificate(serving.cert).validTo).getTime()).toBe(
      NOW.getTime() + 365 * DAY_MS,
    );
    const shortCa = generateCA({ validityDays: 10, now: NOW });
    const capped = generateServingCert(shortCa, {
      dnsNames: ["meshtune"],
      validityDays: 90,
      now: NOW,
    });
    expect(new X509Certificate(capped.cert).validTo).toBe(
      new X509Certificate(shortCa.cert).validTo,
    );
  });

  it("refuses no DNS names and addresses that are not IPs", () => {
    expect(() => generateServingCert(ca, { dnsNames: [] })).toThrow(
      "a serving certificate needs at least one DNS name",
    );
    expect(() =>
      generateServingCert(ca, { dnsNames: ["meshtune"], ipAddresses: ["meshtune.local"] }),
    ).toThrow('"meshtune.local" is not an IPv4 or IPv6 address');
  });
});

describe("generateClientCert", () => {
  it("names the user and groups, for client authentication only", () => {
    const client = new X509Certificate(
      generateClientCert(ca, { commonName: "kube-apiserver", organizations: ["system:masters"] })
        .cert,
    );
    expect(client.subject).toBe("CN=kube-apiserver\nO=system:masters");
    expect(client.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(client.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
  });
});

describe("serviceDnsNames", () => {
  it("lists the names a Service answers to, shortest first", () => {
    expect(serviceDnsNames("meshtune", "gpu")).toEqual([
      "meshtune",
      "meshtune.gpu",
      "meshtune.gpu.svc",
      "meshtune.gpu.svc.cluster.local",
    ]);
  });
});

describe("writeCertificateFiles", () => {
  it("writes ca.crt, tls.crt and a tls.key only its owner can read, creating the directory", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "meshtune-certs-")), "nested", "tls");
    writeCertificateFiles(dir, { caCert: ca.cert, cert: serving.cert, key: serving.key });
    expect(readFileSync(join(dir, "ca.crt"), "utf8")).toBe(ca.cert);
    expect(readFileSync(join(dir, "tls.crt"), "utf8")).toBe(serving.cert);
    expect(readFileSync(join(dir, "tls.key"), "utf8")).toBe(serving.key);
    expect(statSync(join(dir, "tls.key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "tls.crt")).mode & 0o077).toBe(0o044);
  });
});

describe("meshtune certs generate", () => {
  function run(args: string[]): { output: string; error: string } {
    const command = certsCommand();
    let output = "";
    let error = "";
    for (const each of [command, ...command.commands]) {
      each.exitOverride().configureOutput({
        writeOut: (text) => (output += text),
        writeErr: (text) => (error += text),
      });
    }
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (text: string) => ((output += text), true);
    try {
      command.parse(["generate", ...args], { from: "user" });
    } catch {
      // exitOverride throws after writing the error
    } finally {
      process.stdout.write = write;
    }
    return { output, error };
  }

  it("writes a CA and a serving certificate for the Service, with extra names and addresses", () => {
    const out = mkdtempSync(join(tmpdir(), "meshtune-certs-cli-"));
    const { output } = run([
      "--service",
      "meshtune",
      "--namespace",
      "meshtune",
      "--out",
      out,
      "--dns",
      "meshtune.example.com",
      "--ip",
      "127.0.0.1",
      "--days",
      "30",
    ]);
    const cert = new X509Certificate(readFileSync(join(out, "tls.crt")));
    expect(cert.subjectAltName).toBe(
      "DNS:meshtune, DNS:meshtune.meshtune, DNS:meshtune.meshtune.svc, DNS:meshtune.meshtune.svc.cluster.local, " +
        "DNS:meshtune.example.com, IP Address:127.0.0.1",
    );
    expect(cert.checkIssued(new X509Certificate(readFileSync(join(out, "ca.crt"))))).toBe(true);
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeGreaterThan(29 * DAY_MS);
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeLessThanOrEqual(30 * DAY_MS);
    expect(statSync(join(out, "tls.key")).mode & 0o777).toBe(0o600);
    expect(output).toContain(
      `caBundle for the webhook configuration: base64 -w0 ${join(out, "ca.crt")}`,
    );
  });

  it.each([
    [
      ["--ip", "not-an-ip"],
      "option '--ip <address>' argument 'not-an-ip' is invalid. \"not-an-ip\" is not an IPv4 or IPv6 address.",
    ],
    [["--days", "0"], '"0" is not a whole number of days (1 or more).'],
    [["--service", "Meshtune_Webhook"], '"Meshtune_Webhook" is not a DNS label'],
  ])("refuses %j with a clear message", (extra, message) => {
    const { error } = run([
      "--service",
      "meshtune",
      "--namespace",
      "meshtune",
      "--out",
      tmpdir(),
      ...extra,
    ]);
    expect(error).toContain(message);
  });

  it("requires the service, namespace and output directory", () => {
    expect(run(["--namespace", "meshtune", "--out", tmpdir()]).error).toContain(
      "required option '--service <name>' not specified",
    );
  });
});
