import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1MutatingWebhookConfiguration } from "@kubernetes/client-node";
import { parse } from "yaml";
import { startCluster, type Cluster } from "../test/e2e/cluster.js";
import { apply, pointedAt } from "../test/e2e/webhook-registration.js";

/** Where `meshtune serve --self-signed-secret` keeps its certificates: a real kube-apiserver. */
export interface SelfSignedCluster {
  cluster: Cluster;
  /** The flags and environment the chart's default (self-signed) mode runs meshtune with. */
  flags: string[];
  env: NodeJS.ProcessEnv;
  /** The name the served certificate carries: the chart's Service, meshtune.meshtune.svc. */
  servername: string;
  /** A fresh TLS directory, as a new pod's memory-backed emptyDir is. */
  freshTlsDir(): string;
  /** The CA that signed what meshtune serves from `tlsDir`, once it wrote it there. */
  caOf(tlsDir: string): string;
}

const NAMESPACE = "meshtune";
const WEBHOOK = new URL("../../webhook/mutatingwebhookconfiguration.yaml", import.meta.url);

/**
 * A kube-apiserver (and etcd) on loopback from the e2e suite's build, with meshtune's namespace
 * and the webhook configuration webhook/ installs, whose caBundle meshtune then keeps.
 */
export async function startSelfSignedCluster(): Promise<SelfSignedCluster> {
  const cluster = await startCluster();
  try {
    await cluster.createNamespace(NAMESPACE);
    // As webhook/ installs it. No pod is created here, so its address is never called.
    const shipped = parse(readFileSync(WEBHOOK, "utf8")) as V1MutatingWebhookConfiguration;
    await apply(cluster, pointedAt(shipped, { url: "https://127.0.0.1:9" }));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  let trial = 0;
  return {
    cluster,
    flags: [`--self-signed-secret=meshtune-tls`, `--self-signed-namespace=${NAMESPACE}`],
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
    servername: `meshtune.${NAMESPACE}.svc`,
    freshTlsDir: () => mkdtempSync(join(cluster.dir, `tls-${trial++}-`)),
    caOf: (tlsDir) => readFileSync(join(tlsDir, "ca.crt"), "utf8"),
  };
}
