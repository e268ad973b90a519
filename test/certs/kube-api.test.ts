import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeApiError, statusOf } from "../../src/certs/api-error.js";
import { generateCA, generateClientCert } from "../../src/certs/generate.js";
import { KubeApi, KubeApiError } from "../../src/certs/kube-api.js";
import { generateLoopbackCert } from "../../src/certs/loopback.js";
import { FakeApiServer } from "./fake-apiserver.js";

// Real HTTPS on loopback: the fake apiserver (its paths, Status answers and RBAC), and a bare
// server that asks for a client certificate.

const api = new FakeApiServer("meshtune");
beforeAll(() => api.start());
afterAll(() => api.stop());
beforeEach(() => api.reset());

const SECRETS = "/api/v1/namespaces/meshtune/secrets";

describe("KubeApi", () => {
  it("creates and reads an object as JSON, with the token as a bearer", async () => {
    const client = new KubeApi(api.access());
    try {
      const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "meshtune-tls" } };
      await client.create(SECRETS, secret);
      const read = await client.get<{ metadata: { name: string; resourceVersion: string } }>(
        `${SECRETS}/meshtune-tls`,
      );
      expect(read.metadata.name).toBe("meshtune-tls");
      expect(read.metadata.resourceVersion).toMatch(/^\d+$/);
    } finally {
      client.close();
    }
  });

  it("keeps a path the server's URL has, as behind a proxy's /k8s/clusters/<id>", async () => {
    const client = new KubeApi({
      ...api.access(),
      server: `${api.access().server}/k8s/clusters/c-1`,
    });
    try {
      await client.get(`${SECRETS}/meshtune-tls`).catch(() => undefined);
      expect(api.requests.map((request) => request.path)).toEqual([
        `/k8s/clusters/c-1${SECRETS}/meshtune-tls`,
      ]);
    } finally {
      client.close();
    }
  });

  it("turns an error answer into its status and the API's own message", async () => {
    const client = new KubeApi(api.access());
    try {
      const error = await client.get(`${SECRETS}/meshtune-tls`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeApiError);
      expect(statusOf(error)).toBe(404);
      expect(describeApiError("read Secret meshtune/meshtune-tls", error).message).toBe(
        'cannot read Secret meshtune/meshtune-tls: the API answered 404: secrets "meshtune-tls" not found',
      );
    } finally {
      client.close();
    }
  });

  it("says to check the RBAC binding when the API refuses the service account", async () => {
    const client = new KubeApi({ ...api.access(), token: () => "someone-else" });
    try {
      const error = await client.get(`${SECRETS}/meshtune-tls`).catch((e: unknown) => e);
      expect(describeApiError("read Secret meshtune/meshtune-tls", error).message).toBe(
        "cannot read Secret meshtune/meshtune-tls: the API answered 401; check that meshtune's identity (in the chart, the pod's ServiceAccount) is bound to meshtune's Role and ClusterRole",
      );
    } finally {
      client.close();
    }
  });

  it("does not trust a server its CA did not sign", async () => {
    const client = new KubeApi({ ...api.access(), ca: generateCA().cert });
    try {
      const error = await client.get(`${SECRETS}/meshtune-tls`).catch((e: unknown) => e);
      expect(statusOf(error)).toBeUndefined();
      expect((error as Error).message).toMatch(/certificate/);
    } finally {
      client.close();
    }
  });

  it("presents the kubeconfig's client certificate", async () => {
    const ca = generateCA();
    const serving = generateLoopbackCert(ca);
    const client = generateClientCert(ca, { commonName: "meshtune" });
    const server = createServer(
      { cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ subject: peer.subject?.CN ?? null }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const kube = new KubeApi({
      server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      ca: ca.cert,
      cert: client.cert,
      key: client.key,
      source: "a test",
    });
    try {
      expect(await kube.get("/version")).toEqual({ subject: "meshtune" });
    } finally {
      kube.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
