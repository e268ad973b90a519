import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { parse } from "yaml";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  SelfSignedCertificatesKeeper,
  type SelfSignedOptions,
} from "../../src/certs/self-signed-certificates.js";
import { KubeApi } from "../../src/certs/kube-api.js";
import { splitBundle } from "../../src/certs/pem.js";
import { DEFAULT_CONFIG_PATH } from "../../src/config/load.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { FakeApiServer } from "./fake-apiserver.js";
import { handshake } from "./handshake.js";

// The Kubernetes API here is FakeApiServer: real HTTPS on loopback, the apiserver's REST paths and
// resourceVersion conflicts, and the shipped RBAC rules; the client is meshtune's own (certs/kube-api.ts).

const DAY = 86_400_000;
const SERVICE_HOST = "meshtune.meshtune.svc";
const silent = pino({ level: "silent" });
const shippedWebhookConfiguration = parse(
  readFileSync(new URL("../../webhook/mutatingwebhookconfiguration.yaml", import.meta.url), "utf8"),
) as Record<string, unknown>;

const api = new FakeApiServer("meshtune");

beforeAll(() => api.start());
afterAll(() => api.stop());
beforeEach(() => {
  api.reset();
  api.addWebhookConfiguration(structuredClone(shippedWebhookConfiguration));
});

/** One meshtune pod's keeper, with the TLS directory its server would read. */
function replica(
  overrides: Partial<SelfSignedOptions> = {},
): SelfSignedCertificatesKeeper & { tlsDir: string } {
  const tlsDir = overrides.tlsDir ?? mkdtempSync(join(tmpdir(), "meshtune-tls-"));
  const keeper = new SelfSignedCertificatesKeeper({
    api: new KubeApi(api.access()),
    namespace: "meshtune",
    secretName: "meshtune-tls",
    serviceName: "meshtune",
    webhookName: "00-meshtune",
    tlsDir,
    validityDays: 30,
    promoteAfterMs: 60_000,
    logger: silent,
    ...overrides,
  });
  return Object.assign(keeper, { tlsDir });
}

/** The CA certificates the apiserver trusts for meshtune right now. */
function apiserverCaBundle(): string {
  const configuration = api.webhookConfigurations.get("00-meshtune") as {
    webhooks: { clientConfig: { caBundle?: string } }[];
  };
  const caBundle = configuration.webhooks[0]?.clientConfig.caBundle;
  if (caBundle === undefined) throw new Error("the webhook configuration has no caBundle");
  return Buffer.from(caBundle, "base64").toString("utf8");
}

function secretData(key: string): string {
  const data = (api.secret("meshtune-tls")?.data ?? {}) as Record<string, string>;
  return Buffer.from(data[key] ?? "", "base64").toString("utf8");
}

const tlsFile = (dir: string, name: string) => readFileSync(join(dir, name), "utf8");

async function startMeshtune(tlsDir: string): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: "127.0.0.1",
    tlsDir,
    configPath: DEFAULT_CONFIG_PATH,
    metricsPort: 0,
    requestTimeoutMs: 4000,
    shutdownGraceMs: 1000,
    shutdownDelayMs: 0,
    watchIntervalMs: 100,
    logger: silent,
  });
}

/** Handshakes, trusting `ca`, until the server presents `cert`: it reloads on a file event, not at once. */
async function servedCertificateBecomes(
  port: number,
  ca: string,
  cert: string,
): Promise<X509Certificate> {
  const wanted = new X509Certificate(cert).fingerprint256;
  for (let attempt = 0; attempt < 100; attempt++) {
    const served = await handshake(port, ca, SERVICE_HOST).catch(() => undefined);
    if (served?.fingerprint256 === wanted) return served;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the server did not pick up the new certificate within 5 seconds");
}

describe("self-signed certificates in the cluster", () => {
  it("creates the Secret, writes the TLS directory and sets the caBundle on first start", async () => {
    const first = replica();
    const { changes, wroteFiles, patchedCaBundle } = await first.round();
    const { tlsDir } = first;

    expect(changes).toEqual([
      expect.stringMatching(/^created a CA and serving certificate, valid until /),
    ]);
    expect(wroteFiles).toBe(true);
    expect(patchedCaBundle).toBe(true);
    expect(api.secret("meshtune-tls")?.type).toBe("kubernetes.io/tls");

    const ca = new X509Certificate(secretData("ca.crt"));
    const serving = new X509Certificate(tlsFile(tlsDir, "tls.crt"));
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(serving.checkIssued(ca)).toBe(true);
    for (const host of [
      "meshtune",
      "meshtune.meshtune",
      SERVICE_HOST,
      "meshtune.meshtune.svc.cluster.local",
    ]) {
      expect(serving.checkHost(host)).toBe(host);
    }
    expect(serving.checkHost("meshtune.other.svc")).toBeUndefined();
    expect(apiserverCaBundle()).toBe(ca.toString());
    expect(tlsFile(tlsDir, "ca.crt")).toBe(ca.toString());
  });

  it("changes nothing on a later round when nothing is due", async () => {
    const pod = replica();
    await pod.round();
    const requests = api.requests.length;
    const again = await pod.round();
    expect(again).toMatchObject({ changes: [], wroteFiles: false, patchedCaBundle: false });
    expect(api.requests.slice(requests).map((request) => request.method)).toEqual(["GET", "GET"]);
  });

  it("tells the server when the TLS directory has new files, and only then", async () => {
    let told = 0;
    const pod = replica({ onFilesWritten: () => told++ });
    await pod.round();
    expect(told).toBe(1);
    await pod.round();
    expect(told).toBe(1);
  });

  it("ends with one CA when two replicas start at once", async () => {
    // Both replicas read the missing Secret before either creates it.
    api.gate(2, (method, path) => method === "GET" && path.endsWith("/secrets/meshtune-tls"));
    const [a, b] = [replica(), replica()];
    await Promise.all([a.round(), b.round()]);

    const creates = api.requests
      .filter((request) => request.method === "POST")
      .map((request) => request.status);
    expect(creates.sort()).toEqual([201, 409]);
    expect(tlsFile(a.tlsDir, "tls.crt")).toBe(tlsFile(b.tlsDir, "tls.crt"));
    expect(tlsFile(a.tlsDir, "tls.crt")).toBe(secretData("tls.crt"));
    expect(splitBundle(apiserverCaBundle())).toEqual([secretData("ca.crt")]);
  });

  it("stages one new CA when two replicas reach the rotation time at once", async () => {
    const start = Date.now();
    await replica({ now: () => new Date(start - 21 * DAY) }).round();
    api.gate(2, (method, path) => method === "GET" && path.endsWith("/secrets/meshtune-tls"));
    const [a, b] = [replica(), replica()];
    const rounds = await Promise.all([a.round(), b.round()]);

    const updates = api.requests
      .filter((request) => request.method === "PUT")
      .map((request) => request.status);
    expect(updates.sort()).toEqual([200, 409]);
    expect(rounds.flatMap((round) => round.changes)).toEqual([
      expect.stringMatching(/^staged a new CA/),
    ]);
    expect(splitBundle(apiserverCaBundle())).toHaveLength(2);
    expect(tlsFile(a.tlsDir, "ca.crt")).toBe(tlsFile(b.tlsDir, "ca.crt"));
  });

  it("keeps handshakes working across a rotation, serving new certificates without a restart", async () => {
    const realNow = Date.now();
    let clock = realNow - 21 * DAY; // 21 of 30 days: past two thirds once the clock reads now
    const pod = replica({ now: () => new Date(clock) });
    await pod.round();
    const server = await startMeshtune(pod.tlsDir);
    try {
      const oldCa = secretData("ca.crt");
      const oldCert = await servedCertificateBecomes(
        server.port,
        apiserverCaBundle(),
        secretData("tls.crt"),
      );

      // Stage: the apiserver learns the new CA while the old certificate is still served.
      clock = realNow;
      expect((await pod.round()).changes).toEqual([expect.stringMatching(/^staged a new CA/)]);
      const newCa = secretData("next-ca.crt");
      expect(splitBundle(apiserverCaBundle())).toEqual([oldCa, newCa]);
      expect((await handshake(server.port, apiserverCaBundle(), SERVICE_HOST)).fingerprint256).toBe(
        oldCert.fingerprint256,
      );

      // Promote: the new CA signs the served certificate; the old CA stays in the caBundle.
      clock = realNow + 60_000;
      expect((await pod.round()).changes).toEqual([
        expect.stringMatching(/^serving a certificate from the CA staged at/),
      ]);
      const newCert = await servedCertificateBecomes(
        server.port,
        apiserverCaBundle(),
        secretData("tls.crt"),
      );
      expect(newCert.verify(new X509Certificate(newCa).publicKey)).toBe(true);
      expect(splitBundle(apiserverCaBundle())).toEqual([oldCa, newCa]);
      await expect(handshake(server.port, oldCa, SERVICE_HOST)).rejects.toThrow();
      await expect(handshake(server.port, newCa, SERVICE_HOST)).resolves.toBeDefined();

      // Prune: once the old CA has expired it leaves the caBundle; handshakes go on.
      clock = realNow + 10 * DAY;
      expect((await pod.round()).changes).toEqual(["dropped 1 expired CA(s) from the caBundle"]);
      expect(splitBundle(apiserverCaBundle())).toEqual([newCa]);
      expect((await handshake(server.port, apiserverCaBundle(), SERVICE_HOST)).fingerprint256).toBe(
        newCert.fingerprint256,
      );
    } finally {
      await server.shutdown();
    }
  });

  it("writes the TLS directory even while the webhook configuration is missing, and says what failed", async () => {
    api.webhookConfigurations.clear();
    const pod = replica({ retryIntervalMs: 50 });
    await expect(pod.round()).rejects.toThrow(
      "cannot read MutatingWebhookConfiguration 00-meshtune to set its caBundle: the API answered 404",
    );
    expect(tlsFile(pod.tlsDir, "tls.crt")).toBe(secretData("tls.crt"));

    const running = pod.start();
    await running.ready;
    api.addWebhookConfiguration(structuredClone(shippedWebhookConfiguration));
    try {
      await expect.poll(() => apiserverCaBundle(), { timeout: 5000 }).toBe(secretData("ca.crt"));
    } finally {
      running.stop();
    }
  });

  it("uses every permission the shipped RBAC grants over a lifetime, and was refused none", async () => {
    const start = Date.now();
    await replica({ now: () => new Date(start - 21 * DAY) }).round();
    api.gate(2, (method, path) => method === "GET" && path.endsWith("/secrets/meshtune-tls"));
    await Promise.all([replica().round(), replica().round()]);

    const used = new Set(api.requests.map((request) => request.permission));
    expect([...used].sort()).toEqual(api.grantedPermissions().sort());
    expect([...used].sort()).toEqual([
      "create secrets",
      "get mutatingwebhookconfigurations",
      "get secrets",
      "patch mutatingwebhookconfigurations",
      "update secrets",
    ]);
    expect(
      api.requests.filter((request) => request.status === 403 || request.status === 401),
    ).toEqual([]);
  });

  it("is refused a Secret the shipped Role does not name, and says which binding to check", async () => {
    await expect(replica({ secretName: "someone-elses-tls" }).round()).rejects.toThrow(
      "cannot read Secret meshtune/someone-elses-tls: the API answered 403; check that meshtune's identity (in the chart, the pod's ServiceAccount) is bound to meshtune's Role and ClusterRole",
    );
  });

  it("refuses a Secret of the same name that it did not write", async () => {
    await replica().round();
    const secret = api.secret("meshtune-tls") as { data: Record<string, string> };
    delete secret.data["ca.key"];
    await expect(replica().round()).rejects.toThrow(
      /Secret meshtune\/meshtune-tls has no ca\.key; it was not written by meshtune/,
    );
  });
});
