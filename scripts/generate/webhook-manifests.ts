import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { kubeTools } from "../kube-tools.js";
import type { Generated } from "./generated.js";

// webhook/ is the chart rendered with its default values (Kyverno builds its install manifest
// the same way): one file per template, and a kustomization listing them, so that
// `kubectl apply -k webhook/` installs what `helm install` would, plus the Namespace.

const DIRECTORY = "webhook";
const RELEASE = "meshtune";
const HEADER = `# Generated from helm/meshtune by \`npm run generate\` (helm template ${RELEASE}\n# --namespace ${RELEASE} --set createNamespace=true, without Helm's labels); do not edit.\n`;
// Helm marks each document with the template it came from.
const SOURCE = /^# Source: meshtune\/templates\/(.+)$/m;
// Labels that say Helm manages an object: untrue of what kubectl applies.
const HELM_LABELS = /^\s*(app\.kubernetes\.io\/managed-by: Helm|helm\.sh\/chart: .*)\n/gm;

function render(root: string): Map<string, string[]> {
  const output = execFileSync(
    kubeTools().helm,
    [
      "template",
      RELEASE,
      join(root, "helm", "meshtune"),
      "--namespace",
      RELEASE,
      "--set",
      "createNamespace=true",
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  const byTemplate = new Map<string, string[]>();
  for (const document of output.split(/^---\n/m)) {
    const source = SOURCE.exec(document)?.[1];
    if (source === undefined) continue;
    const body = document.replace(SOURCE, "").replace(HELM_LABELS, "").trim();
    byTemplate.set(source, [...(byTemplate.get(source) ?? []), `${body}\n`]);
  }
  return byTemplate;
}

export function webhookManifests(root: string): Generated[] {
  const files = [...render(root)].map(([template, documents]) => ({
    path: `${DIRECTORY}/${template}`,
    text: HEADER + documents.join("---\n"),
    from: "helm/meshtune",
  }));
  const kustomization = {
    path: `${DIRECTORY}/kustomization.yaml`,
    text:
      HEADER +
      "# kubectl apply -k webhook/ installs meshtune into the namespace meshtune, with self-signed\n" +
      "# certificates that meshtune creates and rotates itself.\n" +
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" +
      files.map((file) => `  - ${file.path.slice(DIRECTORY.length + 1)}\n`).join(""),
    from: "helm/meshtune",
  };
  const made = new Set([...files, kustomization].map((file) => file.path));
  // A manifest the chart no longer renders must go, or kubectl would still apply it.
  const leftOver = readdirSync(join(root, DIRECTORY))
    .filter((name) => name.endsWith(".yaml") && !made.has(`${DIRECTORY}/${name}`))
    .map((name) => ({
      path: `${DIRECTORY}/${name}`,
      text: "",
      from: "helm/meshtune",
      remove: true,
    }));
  return [...files, kustomization, ...leftOver];
}
