import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCA } from "../../src/certs/generate.js";
import { MESHTUNE } from "../../src/policy/keys.js";
import { metricValue } from "../server/harness.js";
import { KubectlError } from "./cluster.js";
import {
  OPTED_IN,
  probePod,
  startMeshtuneCluster,
  type MeshtuneCluster,
} from "./meshtune-cluster.js";
import { createPod, fixtureIn, storedPod } from "./pods.js";
import { untilAdmission, wasRefused, wasTuned } from "./webhook-registration.js";

let env: MeshtuneCluster;

/** The message of the refused creation of `name`; fails if the apiserver created the pod. */
async function refusal(name: string): Promise<string> {
  const error: unknown = await createPod(
    env.cluster,
    fixtureIn("vllm-deployment", OPTED_IN, name),
  ).catch((refusedWith: unknown) => refusedWith);
  if (!(error instanceof KubectlError)) throw new Error(`the apiserver created ${name}`);
  await expect(env.cluster.kubectl(["get", "pod", name, "-n", OPTED_IN])).rejects.toThrow(
    /NotFound|not found/,
  );
  return error.stderr;
}

beforeAll(async () => {
  env = await startMeshtuneCluster();
});

afterAll(async () => {
  await env?.stop();
});

describe("when meshtune cannot be reached", () => {
  it("creates pods untuned with failurePolicy Ignore, as webhook/ ships it", async () => {
    expect(env.registered.webhooks?.[0]?.failurePolicy).toBe("Ignore");
    await env.meshtune.stop();

    const pod = fixtureIn("vllm-deployment", OPTED_IN, "llama-3-8b-while-down");
    const { warnings } = await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, OPTED_IN, "llama-3-8b-while-down");

    expect(warnings).toEqual([]);
    expect(stored.metadata?.annotations).toBeUndefined();
    expect(stored.spec?.containers[0]?.lifecycle).toBeUndefined();
    expect(stored.spec?.containers[0]?.startupProbe).toBeUndefined();
    // The apiserver did call meshtune, and failed open.
    expect(readFileSync(env.cluster.logs.apiserver, "utf8")).toMatch(
      /failing open pods\.meshtune\.dev: .*connection refused/,
    );
  });

  it("refuses pods with failurePolicy Fail, naming the webhook and the reason", async () => {
    await env.register({ failurePolicy: "Fail" });
    await untilAdmission(env.cluster, probePod(), wasRefused, "refuse pods while meshtune is down");

    const message = await refusal("llama-3-8b-refused");

    expect(message).toContain(
      `Internal error occurred: failed calling webhook "pods.meshtune.dev": failed to call webhook: Post "${env.meshtune.url}/mutate?timeout=5s"`,
    );
    expect(message).toContain("connect: connection refused");
  });

  it("tunes pods again once meshtune is back", async () => {
    await env.restartMeshtune();
    await untilAdmission(env.cluster, probePod(), wasTuned, "call meshtune again");

    await createPod(env.cluster, fixtureIn("vllm-deployment", OPTED_IN, "llama-3-8b-after"));
    const stored = await storedPod(env.cluster, OPTED_IN, "llama-3-8b-after");
    expect(stored.metadata?.annotations?.[MESHTUNE.applied]).toBe("gpu-inference");
  });
});

describe("when the caBundle does not hold meshtune's CA", () => {
  it("refuses pods with failurePolicy Fail, saying the certificate is not trusted", async () => {
    const stranger = generateCA({ commonName: "not-meshtune-ca" }).cert;
    await env.register({ failurePolicy: "Fail", caBundle: stranger });
    await untilAdmission(env.cluster, probePod(), wasRefused, "refuse pods for the wrong CA");

    const message = await refusal("llama-3-8b-untrusted");

    expect(message).toContain(`failed calling webhook "pods.meshtune.dev"`);
    expect(message).toContain("x509: certificate signed by unknown authority");
    // meshtune sees the handshakes the apiserver gave up on, and counts them.
    expect(env.meshtune.logs()).toContainEqual(
      expect.objectContaining({
        msg: "TLS handshake failed",
        err: expect.stringContaining("alert bad certificate"),
      }),
    );
    const handshakeErrors = metricValue(
      await env.meshtune.metrics(),
      "meshtune_tls_handshake_errors_total",
    );
    expect(handshakeErrors).toBeGreaterThan(0);
  });
});
