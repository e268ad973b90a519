import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubernetesObject, V1ClusterRole } from "@kubernetes/client-node";
import { parseAllDocuments, stringify } from "yaml";
import { generateClientCert } from "../../src/certs/generate.js";
import type { Cluster } from "./cluster.js";

/** The user the audit runs as: a client certificate of the cluster's CA, bound to README's role. */
export const AUDITOR = "meshtune-auditor";

/** The ClusterRole README.md documents for the audit, read from README.md itself. */
export function documentedAuditRole(): V1ClusterRole {
  const readme = readFileSync("README.md", "utf8");
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map(([, text]) => text ?? "");
  const roles = blocks
    .flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject | null))
    .filter(
      (o): o is V1ClusterRole => o?.kind === "ClusterRole" && o.metadata?.name === "meshtune-audit",
    );
  if (roles.length !== 1)
    throw new Error(`README.md documents ${roles.length} meshtune-audit ClusterRoles, not one`);
  return roles[0] as V1ClusterRole;
}

/**
 * Binds README's ClusterRole to a user of its own and writes a kubeconfig for that user; returns
 * the kubeconfig's path. No ServiceAccount: the apiserver reads the user from the certificate.
 */
export async function readOnlyKubeconfig(cluster: Cluster): Promise<string> {
  const role = documentedAuditRole();
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "meshtune-audit" },
    roleRef: {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: role.metadata?.name,
    },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: AUDITOR }],
  };
  await cluster.kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: [role, binding] }),
  );
  const certificate = generateClientCert(cluster.certificates.ca, {
    commonName: AUDITOR,
    validityDays: 1,
  });
  const base64 = (pem: string) => Buffer.from(pem).toString("base64");
  const path = join(cluster.dir, "auditor.kubeconfig");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "e2e",
        cluster: {
          server: cluster.server,
          "certificate-authority-data": base64(cluster.certificates.ca.cert),
        },
      },
    ],
    users: [
      {
        name: AUDITOR,
        user: {
          "client-certificate-data": base64(certificate.cert),
          "client-key-data": base64(certificate.key),
        },
      },
    ],
    contexts: [{ name: "e2e-auditor", context: { cluster: "e2e", user: AUDITOR } }],
    "current-context": "e2e-auditor",
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}
