import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { V1MutatingWebhookConfiguration } from "@kubernetes/client-node";
import { inject } from "vitest";
import { generateCA } from "../../src/certs/generate.js";
import { loopbackCerts, SHIPPED_CONFIG, writeTls, type ServingCerts } from "../server/harness.js";
import { startCluster, type Cluster } from "./cluster.js";
import { startMeshtune, type Meshtune } from "./meshtune-process.js";
import { fixtureIn } from "./pods.js";
import {
  apply,
  pointedAt,
  shippedWebhookConfiguration,
  untilAdmission,
  wasTuned,
  withFailurePolicy,
  type FailurePolicy,
} from "./webhook-registration.js";

/** A namespace labelled meshtune.dev/enabled=true, so the webhook's namespaceSelector matches it. */
export const OPTED_IN = "inference";
/** A namespace without the label: the apiserver never calls meshtune for its pods. */
export const NOT_OPTED_IN = "storefront";

/** A real apiserver with `meshtune serve` registered through webhook/'s configuration. */
export interface MeshtuneCluster {
  readonly cluster: Cluster;
  /** The running meshtune; replaced by restartMeshtune(). */
  readonly meshtune: Meshtune;
  /** meshtune's TLS directory, kubelet-style (a ..data symlink), as a mounted Secret is. */
  readonly tlsDir: string;
  /** The CA and serving certificate meshtune started with. */
  readonly certs: ServingCerts;
  /** The configuration as last registered: webhook/'s, pointed at meshtune on loopback. */
  readonly registered: V1MutatingWebhookConfiguration;
  /**
   * Registers webhook/'s configuration again with `changes` (else with the first registration's
   * values). The apiserver takes it up a moment later: wait for that with untilAdmission.
   */
  register(changes?: Partial<Registration>): Promise<void>;
  /** Starts meshtune again, on the port it had, after meshtune.stop(). */
  restartMeshtune(): Promise<Meshtune>;
  /** Stops meshtune, kube-apiserver and etcd. */
  stop(): Promise<void>;
}

/** What a registration changes in webhook/'s configuration besides the client config. */
export interface Registration {
  failurePolicy: FailurePolicy;
  /** PEM: the CA certificates the apiserver verifies meshtune's certificate with. */
  caBundle: string;
}

export interface MeshtuneClusterOptions {
  /** meshtune's config file; the shipped config/meshtune.yaml when not given. */
  config?: string;
  /** kube-controller-manager's controllers to run beside the apiserver (none when not given). */
  controllers?: string[];
  /** webhook/'s own when not given. */
  failurePolicy?: FailurePolicy;
}

/** A vLLM pod for dry-run creations that check which webhooks the apiserver calls. */
export const probePod = () => fixtureIn("vllm-deployment", OPTED_IN, "webhook-probe");

async function createNamespaces(cluster: Cluster): Promise<void> {
  for (const [name, labels] of [
    [OPTED_IN, { "meshtune.dev/enabled": "true" }],
    [NOT_OPTED_IN, {}],
  ] as const) {
    await cluster.createNamespace(name, labels);
  }
}

/**
 * Starts etcd, kube-apiserver and meshtune, creates the namespaces OPTED_IN and NOT_OPTED_IN,
 * registers meshtune and resolves once the apiserver calls it. stop() it in afterAll.
 */
export async function startMeshtuneCluster(
  options: MeshtuneClusterOptions = {},
): Promise<MeshtuneCluster> {
  const cluster = await startCluster({ controllers: options.controllers });
  let meshtune: Meshtune | undefined;
  try {
    // Inside the cluster's directory, so MESHTUNE_E2E_KEEP=1 keeps meshtune's log too.
    const dir = join(cluster.dir, "meshtune");
    const tlsDir = join(dir, "tls");
    const configPath = join(dir, "config", "meshtune.yaml");
    mkdirSync(join(dir, "config"), { recursive: true });
    writeFileSync(configPath, options.config ?? SHIPPED_CONFIG);
    const certs = loopbackCerts(generateCA({ commonName: "meshtune-e2e-webhook-ca" }));
    writeTls(tlsDir, certs);
    const start = (port?: number) =>
      startMeshtune({ build: inject("meshtuneBuild"), tlsDir, configPath, logDir: dir, port });
    meshtune = await start();

    await createNamespaces(cluster);
    const shipped = shippedWebhookConfiguration();
    let registered = shipped;
    const register = async (changes: Partial<Registration> = {}) => {
      const { failurePolicy = options.failurePolicy, caBundle = certs.ca.cert } = changes;
      registered = pointedAt(shipped, { url: (meshtune as Meshtune).url, caBundle });
      if (failurePolicy !== undefined) registered = withFailurePolicy(registered, failurePolicy);
      await apply(cluster, registered);
    };
    await register();
    await untilAdmission(cluster, probePod(), wasTuned, "call meshtune");

    return {
      cluster,
      get meshtune() {
        return meshtune as Meshtune;
      },
      tlsDir,
      certs,
      get registered() {
        return registered;
      },
      register,
      restartMeshtune: async () => (meshtune = await start(meshtune?.port)),
      stop: async () => {
        await meshtune?.stop();
        await cluster.stop();
      },
    };
  } catch (error) {
    await meshtune?.stop();
    await cluster.stop();
    throw error;
  }
}
