import { writeFileSync, mkdtempSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { generateCA, generateClientCert } from "../../src/certs/generate.js";
import { send, postJson } from "../../src/cli/https-client.js";
import { fixturePod } from "../fixtures/load.js";
import {
  eventually,
  LOOPBACK,
  metricValue,
  scrape,
  startHarness,
  writeTls,
  loopbackCerts,
  type Harness,
} from "./harness.js";

const started: Harness[] = [];
async function harnessWith(options: Parameters<typeof startHarness>[0]): Promise<Harness> {
  const harness = await startHarness(options);
  started.push(harness);
  return harness;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((harness) => harness.server.shutdown()));
});

const review = () => podCreationReview(fixturePod("vllm-deployment"));

describe("health and readiness", () => {
  it("is alive and ready once it has a certificate and a config, on both ports", async () => {
    const harness = await harnessWith({});
    const https = await send(`${harness.url}/readyz`, { method: "GET", ca: harness.ca });
    expect([https.status, https.body]).toEqual([200, "ok\n"]);
    expect((await send(`${harness.url}/healthz`, { method: "GET", ca: harness.ca })).status).toBe(
      200,
    );
    const plain = await fetch(`${harness.metricsUrl}/readyz`);
    expect([plain.status, await plain.text()]).toEqual([200, "ok\n"]);
    expect((await fetch(`${harness.metricsUrl}/healthz`)).status).toBe(200);
  });

  it("answers the probes' HEAD as their GET, and names the method on any other", async () => {
    const harness = await harnessWith({});
    const head = await send(`${harness.url}/readyz`, { method: "HEAD", ca: harness.ca });
    expect([head.status, head.body, head.headers["content-type"]]).toEqual([
      200,
      "",
      "text/plain; charset=utf-8",
    ]);
    const post = await send(`${harness.url}/healthz`, { method: "POST", ca: harness.ca });
    expect([post.status, post.headers.allow]).toEqual([405, "GET"]);
    expect(JSON.parse(post.body).message).toBe("/healthz takes GET");
  });

  it("serves Prometheus text on the metrics port, and says what the port serves on any other path", async () => {
    const harness = await harnessWith({});
    const metrics = await fetch(`${harness.metricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toContain("# TYPE meshtune_admission_requests_total counter");
    const review = await fetch(`${harness.metricsUrl}/mutate`, { method: "POST", body: "{}" });
    expect(review.status).toBe(404);
    expect(((await review.json()) as { message: string }).message).toBe(
      "nothing at POST /mutate; this port serves GET /metrics, /healthz and /readyz",
    );
    const put = await fetch(`${harness.metricsUrl}/metrics`, { method: "PUT" });
    expect([put.status, put.headers.get("allow")]).toEqual([405, "GET"]);
  });

  it("is not ready without a certificate, and becomes ready when one is mounted", async () => {
    const harness = await harnessWith({ certs: null, watchIntervalMs: 200 });
    const before = await fetch(`${harness.metricsUrl}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.text()).toBe(
      `no serving certificate: cannot read the serving certificate ${harness.tlsDir}/tls.crt: ENOENT\n`,
    );
    expect((await fetch(`${harness.metricsUrl}/healthz`)).status).toBe(200);

    writeTls(harness.tlsDir, harness.certs);
    await eventually(async () =>
      expect((await fetch(`${harness.metricsUrl}/readyz`)).status).toBe(200),
    );
    const response = await postJson(`${harness.url}/mutate`, review(), { ca: harness.ca });
    expect(response.status).toBe(200);
  });
});

describe("the connection", () => {
  it("keeps idle connections 90 s, longer than the apiserver's client does", async () => {
    const harness = await harnessWith({});
    const response = await send(`${harness.url}/healthz`, {
      method: "GET",
      ca: harness.ca,
      headers: { Connection: "keep-alive" },
    });
    expect(response.headers["keep-alive"]).toBe("timeout=90");
  });

  it("speaks TLS 1.3 and, for older clients, TLS 1.2", async () => {
    const harness = await harnessWith({});
    const protocol = (maxVersion: "TLSv1.2" | "TLSv1.3") =>
      new Promise<string | null>((resolve, reject) => {
        const socket = connect(
          { host: LOOPBACK, port: harness.server.port, ca: harness.ca, maxVersion },
          () => {
            resolve(socket.getProtocol());
            socket.end();
          },
        );
        socket.on("error", reject);
      });
    await expect(protocol("TLSv1.3")).resolves.toBe("TLSv1.3");
    await expect(protocol("TLSv1.2")).resolves.toBe("TLSv1.2");
  });

  it("counts handshakes from clients that do not trust its certificate", async () => {
    const harness = await harnessWith({});
    await expect(
      send(`${harness.url}/healthz`, { method: "GET", ca: generateCA().cert }),
    ).rejects.toThrow(
      /unable to verify the first certificate|self-signed certificate|unable to get local issuer certificate/,
    );
    await eventually(async () =>
      expect(metricValue(await scrape(harness), "meshtune_tls_handshake_errors_total")).toBe(1),
    );
  });

  /** A review that starts and then never ends, to `path`; its answer. */
  function stalledReview(harness: Harness, path: string) {
    return new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(
        `${harness.url}${path}`,
        {
          method: "POST",
          ca: harness.ca,
          headers: { "Content-Type": "application/json", "Content-Length": 5000 },
        },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.write('{"apiVersion":'); // and then nothing more
    });
  }

  it("answers 408 when a review does not arrive within the request timeout", async () => {
    const harness = await harnessWith({ requestTimeoutMs: 300 });
    const status = await stalledReview(harness, "/mutate");
    expect(status.code).toBe(408);
    expect(JSON.parse(status.body).message).toBe("the review did not arrive within 300 ms");
    expect(
      metricValue(await scrape(harness), "meshtune_admission_requests_total", {
        outcome: "timeout",
      }),
    ).toBe(1);
  });

  it("keeps to the timeout the apiserver puts in the URL (the webhook's timeoutSeconds) over its own", async () => {
    const harness = await harnessWith({ requestTimeoutMs: 20_000 });
    const started = performance.now();
    const status = await stalledReview(harness, "/mutate?timeout=1s");
    expect(performance.now() - started).toBeLessThan(5000);
    expect(status.code).toBe(408);
    expect(JSON.parse(status.body).message).toBe("the review did not arrive within 800 ms");
  });
});

describe("client certificates (--client-ca)", () => {
  const apiserverCa = generateCA({ commonName: "apiserver-client-ca" });
  const apiserver = generateClientCert(apiserverCa, { commonName: "kube-apiserver" });
  const stranger = generateClientCert(generateCA(), { commonName: "kube-apiserver" });

  async function harnessWithClientCa(): Promise<Harness> {
    const path = join(mkdtempSync(join(tmpdir(), "meshtune-client-ca-")), "client-ca.crt");
    writeFileSync(path, apiserverCa.cert);
    return harnessWith({ clientCa: path });
  }

  it("answers a review from a client whose certificate the client CA signed", async () => {
    const harness = await harnessWithClientCa();
    const response = await postJson(`${harness.url}/mutate`, review(), {
      ca: harness.ca,
      cert: apiserver.cert,
      key: apiserver.key,
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).response.allowed).toBe(true);
  });

  it.each([
    [
      "no certificate",
      {},
      "a client certificate signed by the configured client CA is required (none was sent)",
    ],
    [
      "a certificate from another CA",
      { cert: stranger.cert, key: stranger.key },
      "is required (the one sent fails verification: UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
    ],
  ])("refuses a review from a client with %s, with 401", async (_what, credentials, message) => {
    const harness = await harnessWithClientCa();
    const response = await postJson(`${harness.url}/mutate`, review(), {
      ca: harness.ca,
      ...credentials,
    });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).message).toContain(message);
    const counted = metricValue(await scrape(harness), "meshtune_admission_requests_total", {
      outcome: "unauthorized",
      profile: "none",
      dry_run: "false",
    });
    expect(counted).toBe(1);
  });

  it("still answers probes without a client certificate", async () => {
    const harness = await harnessWithClientCa();
    expect((await send(`${harness.url}/readyz`, { method: "GET", ca: harness.ca })).status).toBe(
      200,
    );
  });
});

describe("starting", () => {
  it("refuses a port that is taken, naming it", async () => {
    const harness = await harnessWith({});
    await expect(startHarness({ port: harness.server.port })).rejects.toThrow(
      `cannot listen for admission reviews (--port) on ${LOOPBACK} port ${harness.server.port}: the port is in use; choose another`,
    );
  });

  it("refuses an invalid config, naming the problem", async () => {
    await expect(
      startHarness({ config: "onInternalError: maybe\n", certs: loopbackCerts() }),
    ).rejects.toThrow('onInternalError: "maybe" is not allowed; use one of allow, deny');
  });
});
