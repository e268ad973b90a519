import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import fastJsonPatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { podShapeProblem } from "../admission/pod-shape.js";
import { ConfigError, loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { mutatePod } from "../engine.js";
import { isPlainObject } from "../plain-object.js";
import { explain } from "../policy/decision.js";
import { isAmbientNamespace } from "../policy/meshes/istio-ambient.js";
import type { PodShape } from "../policy/pod.js";
import { asCreated, controllerAdditions, type ControllerAdditions } from "./controller-labels.js";
import {
  describeManifest,
  documentLabel,
  InputError,
  readDocuments,
  type Manifest,
  type SourceDocument,
} from "./documents.js";
import { editDocument } from "./edit-document.js";
import { podPath, valueAt } from "./workloads.js";
import { layoutOf } from "./yaml-layout.js";

interface MutateOptions {
  /** Overrides each document's own namespace. */
  namespace?: string;
  /**
   * When given, the namespace must carry the config's namespaceLabel, as the webhook's
   * namespaceSelector requires; istio.io/dataplane-mode=ambient puts it in Istio ambient.
   */
  namespaceLabels?: Record<string, string>;
  /** meshtune's own namespace, whose pods the webhook never changes. */
  ownNamespace?: string;
}

interface MutatedDocument {
  /** Kind/name. */
  name: string;
  /** How messages name it: `document 2 (Deployment/llama)`. */
  label: string;
  original: Manifest | null;
  mutated: Manifest | null;
  /** Relative to the document. */
  patch: Operation[];
  explanation: string[];
}

type Mutated = Omit<MutatedDocument, "label">;

const PASSED_THROUGH = "passed through: not a pod or a workload meshtune knows";

function unchanged(manifest: Manifest | null, line: string): Mutated {
  return {
    name: describeManifest(manifest),
    original: manifest,
    mutated: manifest,
    patch: [],
    explanation: [line],
  };
}

/** Why a document cannot be read as the pod it describes, as one sentence's end. */
function shapeProblem(pod: unknown, path: string[]): string | undefined {
  const problem = podShapeProblem(pod, path.join("."));
  if (problem === undefined) return undefined;
  return /is the (number|boolean) .*, not a string$/.test(problem)
    ? `${problem}; quote it, as Kubernetes takes only a string there`
    : `${problem}; is it a Kubernetes manifest?`;
}

function previewLine(additions: ControllerAdditions): string {
  const keys = Object.keys(additions.labels).join(", ");
  return `previewed with the labels ${additions.controller} adds: ${keys} (uid and hash values are stand-ins)`;
}

function mutateList(
  manifest: Manifest,
  items: unknown[],
  config: Config,
  options: MutateOptions,
  label: string,
): Mutated {
  const results = items.map((item, index) =>
    mutateManifest(
      isPlainObject(item) ? item : {},
      config,
      options,
      `${label}, item ${index + 1} (${describeManifest(item)})`,
    ),
  );
  return {
    name: describeManifest(manifest),
    original: manifest,
    mutated: { ...manifest, items: results.map((item) => item.mutated) },
    patch: results.flatMap((item, index) =>
      item.patch.map((operation) => ({ ...operation, path: `/items/${index}${operation.path}` })),
    ),
    explanation: results.flatMap((item) => [
      `${item.name}:`,
      ...item.explanation.map((line) => `  ${line}`),
    ]),
  };
}

/** Mutates one manifest as the webhook would its pods; the patch is relative to the manifest. */
function mutateManifest(
  manifest: Manifest,
  config: Config,
  options: MutateOptions,
  label: string,
): Mutated {
  if (manifest.kind === "List" && Array.isArray(manifest.items)) {
    return mutateList(manifest, manifest.items, config, options, label);
  }
  const path = podPath(manifest.kind);
  if (path === undefined) return unchanged(manifest, PASSED_THROUGH);
  const pod = valueAt(manifest, path);
  const problem = shapeProblem(pod, path);
  if (problem !== undefined) throw new InputError(`${label}: ${problem}`);
  const namespace =
    options.namespace ??
    (manifest.metadata as { namespace?: string } | undefined)?.namespace ??
    "default";
  const { key, value } = config.namespaceLabel;
  if (options.namespaceLabels && options.namespaceLabels[key] !== value) {
    return unchanged(
      manifest,
      `namespace ${namespace} lacks the label ${key}=${value}; the webhook would not be called`,
    );
  }
  const additions = controllerAdditions(manifest);
  const template = pod as PodShape;
  const base = path.map((part) => `/${part}`).join("");
  // The chart sends pods of ambient namespaces to its second webhook, which says so.
  const ambientNamespace = isAmbientNamespace(options.namespaceLabels);
  const target = { namespace, ownNamespace: options.ownNamespace, ambientNamespace };
  const { plan, patch } = mutatePod(template, target, config, base, asCreated(template, additions));
  // fast-json-patch inserts values by reference, so give it copies: later operations would edit ours.
  const mutated = fastJsonPatch.applyPatch(
    structuredClone(manifest),
    structuredClone(patch),
    true,
    true,
  ).newDocument;
  return {
    name: describeManifest(manifest),
    original: manifest,
    mutated,
    patch,
    explanation: [...(additions ? [previewLine(additions)] : []), ...explain(plan.decisions)],
  };
}

/** Runs the engine over every document that creates pods, as the webhook would at admission. */
function mutateDocuments(
  documents: SourceDocument[],
  config: Config,
  options: MutateOptions = {},
): MutatedDocument[] {
  return documents.map((document) => {
    const label = documentLabel(document.index, document.yaml);
    // Messages name the file too; --explain does not repeat it on every document.
    const where = `${document.source}: ${label}`;
    if (document.value === null)
      return { ...unchanged(null, "an empty document; passed through"), label };
    try {
      return { ...mutateManifest(document.value, config, options, where), label };
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(
        `meshtune failed on ${where} (${(error as Error).message}); it is a bug, please report it`,
      );
    }
  });
}

/**
 * The input again, each document meshtune did not change exactly as it came (bytes and comments),
 * each changed one edited in place in the YAML document model, keeping what the model keeps.
 */
function renderYaml(
  input: string,
  documents: SourceDocument[],
  results: MutatedDocument[],
): string {
  const parts = documents.map((document, index) => {
    const { patch } = results[index]!;
    if (patch.length === 0) return input.slice(...document.span);
    const layout = layoutOf(document.yaml, input);
    editDocument(document.yaml, patch);
    return document.yaml.toString(layout);
  });
  const end = documents.at(-1)?.span[1] ?? 0;
  return parts.join("") + input.slice(end);
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(",").filter((part) => part.trim() !== "")) {
    const [key, value, extra] = pair.split("=");
    if (!key || value === undefined || extra !== undefined) {
      throw new InputError(
        `--namespace-labels: "${pair}" is not key=value; write e.g. meshtune.dev/enabled=true,team=ml`,
      );
    }
    labels[key.trim()] = value.trim();
  }
  return labels;
}

function readInput(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new InputError(
      `cannot read ${file === "-" ? "standard input" : file}: ${(error as Error).message}`,
    );
  }
}

function render(
  input: string,
  documents: SourceDocument[],
  results: MutatedDocument[],
  output: string,
): string {
  if (output === "patch") {
    return results
      .map((result) => `# ${result.name}\n${JSON.stringify(result.patch, null, 2)}\n`)
      .join("");
  }
  if (output === "json") {
    const mutated = results.map((result) => result.mutated).filter((each) => each !== null);
    return `${JSON.stringify(mutated.length === 1 ? mutated[0] : { apiVersion: "v1", kind: "List", items: mutated }, null, 2)}\n`;
  }
  return renderYaml(input, documents, results);
}

interface CommandOptions {
  filename: string;
  output: string;
  explain?: boolean;
  config?: string;
  namespace?: string;
  namespaceLabels?: string;
  ownNamespace?: string;
}

function run(options: CommandOptions): void {
  const config = loadConfig(options.config);
  const input = readInput(options.filename);
  const documents = readDocuments(input, options.filename === "-" ? "<stdin>" : options.filename);
  const results = mutateDocuments(documents, config, {
    namespace: options.namespace,
    namespaceLabels:
      options.namespaceLabels === undefined ? undefined : parseLabels(options.namespaceLabels),
    ownNamespace: options.ownNamespace,
  });
  if (options.explain) {
    const lines = results.flatMap((result) => [
      `${result.label}:`,
      ...result.explanation.map((line) => `  ${line}`),
    ]);
    process.stderr.write(`${lines.join("\n")}\n`);
  }
  process.stdout.write(render(input, documents, results, options.output));
}

export function mutateCommand(): Command {
  return new Command("mutate")
    .description("Show what meshtune would change on pods and workloads, offline")
    .requiredOption(
      "-f, --filename <file>",
      "YAML or JSON manifests (multi-document, List); - for standard input",
    )
    .addOption(
      new Option("-o, --output <format>", "what to print")
        .choices(["yaml", "json", "patch"])
        .default("yaml"),
    )
    .option("--explain", "print why each document was or was not changed (to standard error)")
    .option("--config <file>", "meshtune config file (default: the shipped config)")
    .option(
      "-n, --namespace <name>",
      "namespace the pods are created in (default: each document's own, else default)",
    )
    .option(
      "--namespace-labels <k=v,...>",
      "labels of that namespace: the config's namespaceLabel (the opt-in label) is checked, istio.io/dataplane-mode=ambient puts its pods in ambient",
    )
    .option("--own-namespace <name>", "meshtune's own namespace: its pods are never changed")
    .action((options: CommandOptions) => {
      try {
        run(options);
      } catch (error) {
        if (error instanceof ConfigError) {
          // One line: the config file and what is wrong in it.
          const problems = error.problems.join("; ");
          process.stderr.write(
            `meshtune mutate: invalid meshtune config ${error.source}: ${problems}\n`,
          );
        } else if (error instanceof InputError) {
          process.stderr.write(`meshtune mutate: ${error.message}\n`);
        } else {
          throw error;
        }
        process.exitCode = 1;
      }
    });
}
