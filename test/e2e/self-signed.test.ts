import { X509Certificate } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { V1MutatingWebhookConfiguration, V1Secret } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, SHIPPED_CONFIG } from "../server/harness.js";
import { startCluster, type Cluster } from "./cluster.js";
import { freePort } from "./free-port.js";
import { startMeshtune, type Meshtune } from "./meshtune-process.js";
import { presentedCertificate } from "./presented-certificate.js";
import { apply, pointedAt, shippedWebhookConfiguration } from "./webhook-registration.js";

// meshtune's in-cluster certificate mode, with the real API calls it makes: two replicas keep one
// CA and serving certificate in a Secret and set the webhook configuration's caBundle. The
// certificate names the Service (meshtune.meshtune.svc), which the apiserver here cannot resolve,
// so pods are not sent through it; the other files cover that with a certificate for 127.0.0.1.
const NAMESPACE = "meshtune";
const SECRET = "meshtune-tls";
const SERVICE_NAME = `meshtune.${NAMESPACE}.svc`;

let cluster: Cluster;
const replicas: Meshtune[] = [];
let dir: string;
let configPath: string;

async function startReplica(name: string, port?: number): Promise<Meshtune> {
  const tlsDir = join(dir, name, "tls");
  mkdirSync(tlsDir, { recursive: true });
  return startMeshtune({
    build: inject("meshtuneBuild"),
    tlsDir,
    configPath,
    logDir: join(dir, name),
    port,
    flags: [`--self-signed-secret=${SECRET}`, `--self-signed-namespace=${NAMESPACE}`],
    env: { KUBECONFIG: cluster.kubeconfig },
  });
}

async function readJson<T>(args: string[]): Promise<T> {
  return JSON.parse((await cluster.kubectl([...args, "-o", "json"])).stdout) as T;
}

const secret = () => readJson<V1Secret>(["get", "secret", SECRET, "-n", NAMESPACE]);
const webhookConfiguration = () =>
  readJson<V1MutatingWebhookConfiguration>(["get", "mutatingwebhookconfiguration", "00-meshtune"]);
const decoded = (base64: string | undefined) => Buffer.from(base64 ?? "", "base64").toString();

beforeAll(async () => {
  cluster = await startCluster();
  dir = join(cluster.dir, "meshtune");
  configPath = join(dir, "meshtune.yaml");
  mkdirSync(dir);
  writeFileSync(configPath, SHIPPED_CONFIG);
  await cluster.createNamespace(NAMESPACE);
  // As webhook/ installs it, pointed at the first replica, with no caBundle yet.
  const port = await freePort();
  await apply(
    cluster,
    pointedAt(shippedWebhookConfiguration(), { url: `https://127.0.0.1:${port}` }),
  );
  // Both at once, as a Deployment's two replicas start: they must agree on one Secret.
  replicas.push(...(await Promise.all([startReplica("a", port), startReplica("b")])));
});

afterAll(async () => {
  for (const replica of replicas) await replica.stop();
  await cluster?.stop();
});

describe("meshtune serve --self-signed-secret, two replicas, against a real kube-apiserver", () => {
  it("creates one Secret with a CA and serving certificate, which both replicas serve", async () => {
    const stored = await secret();
    expect(stored.type).toBe("kubernetes.io/tls");
    expect(stored.metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("meshtune");
    const ca = decoded(stored.data?.["ca.crt"]);
    const served = decoded(stored.data?.["tls.crt"]);

    for (const replica of replicas) {
      const presented = await presentedCertificate(replica.port, { ca, servername: SERVICE_NAME });
      expect(presented.authorizationError).toBeUndefined();
      expect(presented.authorized).toBe(true);
      expect(presented.certificate.raw).toEqual(new X509Certificate(served).raw);
    }
    const created = replicas.flatMap((replica) =>
      replica.logs().filter((line) => line.msg.startsWith("certificates: created")),
    );
    expect(created).toHaveLength(1);
  });

  it("sets webhook/'s caBundle to the Secret's trusted CAs and changes nothing else", async () => {
    const stored = await webhookConfiguration();
    const [webhook] = stored.webhooks ?? [];
    expect(decoded(webhook?.clientConfig.caBundle)).toBe(
      decoded((await secret()).data?.["ca-bundle.crt"]),
    );
    const [shipped] = shippedWebhookConfiguration().webhooks ?? [];
    expect({ ...webhook, clientConfig: undefined }).toMatchObject({
      ...shipped,
      clientConfig: undefined,
    });
    expect(webhook?.clientConfig.url).toBe(`${replicas[0]?.url}/mutate`);
  });

  it("restores a caBundle that a re-install wiped, from the Secret, without a new CA", async () => {
    const before = await secret();
    const shipped = pointedAt(shippedWebhookConfiguration(), { url: replicas[0]?.url ?? "" });
    await cluster.kubectl(["replace", "-f", "-"], JSON.stringify(shipped));
    const [wiped] = (await webhookConfiguration()).webhooks ?? [];
    expect(wiped?.clientConfig.caBundle).toBeUndefined();

    // As a rollout after `helm upgrade` restarts the replicas.
    const first = replicas[0] as Meshtune;
    await first.stop();
    replicas[0] = await startReplica("a", first.port);

    await eventually(async () => {
      const [webhook] = (await webhookConfiguration()).webhooks ?? [];
      expect(decoded(webhook?.clientConfig.caBundle)).toBe(decoded(before.data?.["ca-bundle.crt"]));
    }, 15_000);
    expect((await secret()).metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });
});
