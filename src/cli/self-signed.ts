import { Option, type Command } from "commander";
import type { Logger } from "pino";
import { SELF_SIGNED_DEFAULTS } from "../certs/self-signed-defaults.js";
import { parseDays } from "./arguments.js";

// `meshtune serve` options for the in-cluster self-signed mode: with --self-signed-secret, the
// server keeps its own certificates (certs/self-signed-certificates.ts) in the TLS directory it
// serves from.

export interface SelfSignedFlags {
  selfSignedSecret?: string;
  selfSignedService: string;
  selfSignedWebhook: string;
  selfSignedNamespace?: string;
  selfSignedDays: number;
}

export function addSelfSignedOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--self-signed-secret <name>",
        "keep a self-signed CA and serving certificate in this Secret, rotated and written to --tls-dir",
      ).env("MESHTUNE_SELF_SIGNED_SECRET"),
    )
    .addOption(
      new Option(
        "--self-signed-service <name>",
        "the webhook's Service, named in the certificate",
      ).default("meshtune"),
    )
    .addOption(
      new Option(
        "--self-signed-webhook <name>",
        "the MutatingWebhookConfiguration whose caBundle to set",
      ).default("00-meshtune"),
    )
    .addOption(
      new Option(
        "--self-signed-namespace <name>",
        "namespace of the Secret and Service (default: meshtune's own)",
      ),
    )
    .addOption(
      new Option(
        "--self-signed-days <days>",
        "lifetime of the CA and certificate; rotated at two thirds",
      )
        .argParser(parseDays)
        .default(SELF_SIGNED_DEFAULTS.validityDays),
    );
}

/**
 * Starts keeping self-signed certificates when --self-signed-secret is given, in
 * --self-signed-namespace or else meshtune's own namespace; returns the function that stops it.
 * The server need not wait: it stays unready until the files appear, and `onFilesWritten` lets
 * it serve them at once rather than when it next looks.
 */
export async function startSelfSigned(
  flags: SelfSignedFlags,
  tlsDir: string,
  logger: Logger,
  ownNamespace: string | undefined,
  onFilesWritten?: () => void,
): Promise<(() => void) | undefined> {
  if (flags.selfSignedSecret === undefined) return undefined;
  const namespace = flags.selfSignedNamespace ?? ownNamespace;
  if (namespace === undefined) {
    throw new Error(
      `--self-signed-secret needs meshtune's namespace: set --self-signed-namespace, --own-namespace or POD_NAMESPACE, or run in a pod with a service account token`,
    );
  }
  // Loaded only in this mode: key generation (node-forge) is a good part of the keeper's code.
  const [{ loadKubeAccess }, { KubeApi }, { SelfSignedCertificatesKeeper }] = await Promise.all([
    import("../certs/kube-access.js"),
    import("../certs/kube-api.js"),
    import("../certs/self-signed-certificates.js"),
  ]);
  const api = new KubeApi(loadKubeAccess());
  const keeper = new SelfSignedCertificatesKeeper({
    api,
    namespace,
    secretName: flags.selfSignedSecret,
    serviceName: flags.selfSignedService,
    webhookName: flags.selfSignedWebhook,
    tlsDir,
    validityDays: flags.selfSignedDays,
    logger: logger.child({ component: "self-signed-certificates" }),
    onFilesWritten,
  });
  const { stop } = keeper.start();
  return () => {
    stop();
    api.close();
  };
}
