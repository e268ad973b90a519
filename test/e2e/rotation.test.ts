import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCA, generateServingCert } from "../../src/certs/generate.js";
import { writeCertificateFiles } from "../../src/certs/write.js";
import { MESHTUNE } from "../../src/policy/keys.js";
import { eventually, loopbackCerts, writeTls } from "../server/harness.js";
import { KubectlError } from "./cluster.js";
import {
  OPTED_IN,
  probePod,
  startMeshtuneCluster,
  type MeshtuneCluster,
} from "./meshtune-cluster.js";
import { createPod, fixtureIn, podsLabelled } from "./pods.js";
import { presentedCertificate } from "./presented-certificate.js";
import { untilAdmission } from "./webhook-registration.js";

// Creations keep coming while meshtune's certificate changes under them. failurePolicy is Fail,
// so a webhook call that fails (a refused certificate, a dropped connection) fails its creation.
const WORKERS = 3;
const CREATES_PER_PHASE = 12;
const STREAM_LABEL = { "e2e.meshtune.dev/stream": "rotation" };

type Phase =
  | "first certificate, both CAs trusted"
  | "certificate from the next CA, both CAs trusted"
  | "certificate from the next CA, only it trusted"
  | "another certificate from the same CA";

interface Creation {
  phase: Phase;
  name?: string;
  profile?: string;
  error?: string;
}

let env: MeshtuneCluster;
let phase: Phase = "first certificate, both CAs trusted";
const creations: Creation[] = [];
let streaming = true;

function streamPod() {
  const pod = fixtureIn("vllm-deployment", OPTED_IN);
  pod.metadata = { ...pod.metadata, generateName: "llama-3-8b-", labels: STREAM_LABEL };
  return pod;
}

async function createUntilStopped(): Promise<void> {
  while (streaming) {
    const during = phase;
    try {
      const { pod } = await createPod(env.cluster, streamPod());
      creations.push({
        phase: during,
        name: pod.metadata?.name,
        profile: pod.metadata?.annotations?.[MESHTUNE.applied],
      });
    } catch (error) {
      creations.push({ phase: during, error: (error as Error).message });
    }
  }
}

/** Waits until the current phase has seen its share of creations. */
async function letPhaseRun(): Promise<void> {
  const current = phase;
  await eventually(() => {
    const done = creations.filter((creation) => creation.phase === current).length;
    if (done < CREATES_PER_PHASE) throw new Error(`${done} creations during "${current}" so far`);
  }, 30_000);
}

async function nextPhase(next: Phase): Promise<void> {
  await letPhaseRun();
  phase = next;
}

const reloads = () =>
  env.meshtune.logs().filter((line) => line.msg === "certificate reloaded").length;

/** Waits until meshtune serves a certificate it has not served before. */
async function untilReloaded(before: number): Promise<void> {
  await eventually(() => expect(reloads()).toBe(before + 1), 15_000);
}

const nextCA = generateCA({ commonName: "meshtune-e2e-next-ca" });
let stream: Promise<void[]>;

beforeAll(async () => {
  env = await startMeshtuneCluster({ failurePolicy: "Fail" });
  await env.register({ caBundle: env.certs.ca.cert + nextCA.cert });
  stream = Promise.all(Array.from({ length: WORKERS }, createUntilStopped));
});

afterAll(async () => {
  streaming = false;
  await stream;
  await env?.stop();
});

describe("rotating meshtune's serving certificate during a stream of pod creations", () => {
  it("loses no creation and tunes every pod, through a change of CA and a renewal", async () => {
    // As kubelet updates a mounted Secret: the new pair appears at once, through ..data.
    const fromNextCA = loopbackCerts(nextCA);
    await nextPhase("certificate from the next CA, both CAs trusted");
    let before = reloads();
    writeTls(env.tlsDir, fromNextCA);
    await untilReloaded(before);

    await nextPhase("certificate from the next CA, only it trusted");
    await env.register({ caBundle: nextCA.cert });

    // As meshtune's self-signed mode renews: file by file, so meshtune meets a mismatched pair.
    const renewed = generateServingCert(nextCA, {
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
    });
    await nextPhase("another certificate from the same CA");
    before = reloads();
    writeCertificateFiles(env.tlsDir, { caCert: nextCA.cert, ...renewed });
    await untilReloaded(before);
    await letPhaseRun();

    streaming = false;
    await stream;
    expect(creations.filter((creation) => creation.error !== undefined)).toEqual([]);
    expect(creations.filter((creation) => creation.profile !== "gpu-inference")).toEqual([]);

    const selector = Object.entries(STREAM_LABEL).map(([key, value]) => `${key}=${value}`);
    const stored = await podsLabelled(env.cluster, OPTED_IN, selector.join(","));
    expect(stored.map((pod) => pod.metadata?.name).sort()).toEqual(
      creations.map((creation) => creation.name).sort(),
    );
    expect((await presentedCertificate(env.meshtune.port)).certificate.serialNumber).toBe(
      new X509Certificate(renewed.cert).serialNumber,
    );
    // The apiserver never refused a certificate meshtune presented.
    const refusedCertificates = env.meshtune
      .logs()
      .filter(
        (line) => line.msg === "TLS handshake failed" && /certificate/.test(String(line.err)),
      );
    expect(refusedCertificates).toEqual([]);
  });

  it("is served from the new CA alone: trusting only the first CA now fails", async () => {
    // The apiserver keeps a client per caBundle, with its open connections, and a connection is
    // verified once, in its handshake; a bundle it has never used makes it connect afresh.
    const unrelated = generateCA({ commonName: "meshtune-e2e-unrelated-ca" });
    await env.register({ caBundle: env.certs.ca.cert + unrelated.cert });
    await untilAdmission(
      env.cluster,
      probePod(),
      (outcome) =>
        outcome instanceof KubectlError &&
        outcome.stderr.includes("x509: certificate signed by unknown authority"),
      "refuse meshtune's certificate",
    );
  });
});
