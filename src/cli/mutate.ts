import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import fastJsonPatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { stringify } from "yaml";
import { ConfigError, loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { mutatePod } from "../engine.js";
import { explain } from "../policy/decision.js";
import { AMBIENT, DATAPLANE_MODE } from "../policy/meshes/istio-ambient.js";
import { describe, InputError, parseDocuments, type Document } from "./documents.js";
import { locatePod, podShapeProblem } from "./workloads.js";

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
  name: string;
  original: Document;
  mutated: Document;
  patch: Operation[];
  explanation: string[];
}

/** Mutates one document; the patch is relative to that document. */
function mutateOne(document: Document, config: Config, options: MutateOptions): MutatedDocument {
  const name = describe(document);
  const unchanged = (line: string): MutatedDocument => ({
    name,
    original: document,
    mutated: document,
    patch: [],
    explanation: [line],
  });
  if (document.kind === "List" && Array.isArray(document.items)) {
    const items = (document.items as Document[]).map((item) => mutateOne(item, config, options));
    return {
      name,
      original: document,
      mutated: { ...document, items: items.map((item) => item.mutated) },
      patch: items.flatMap((item, index) =>
        item.patch.map((operation) => ({ ...operation, path: `/items/${index}${operation.path}` })),
      ),
      explanation: items.flatMap((item) => [
        `${item.name}:`,
        ...item.explanation.map((line) => `  ${line}`),
      ]),
    };
  }
  const location = locatePod(document);
  if (!location) return unchanged("creates no pods; left unchanged");
  const problem = podShapeProblem(location.pod);
  if (problem !== undefined)
    throw new InputError(`${name}: ${problem}; is it a Kubernetes manifest?`);
  const namespace =
    options.namespace ??
    (document.metadata as { namespace?: string } | undefined)?.namespace ??
    "default";
  const { key, value } = config.namespaceLabel;
  if (options.namespaceLabels && options.namespaceLabels[key] !== value) {
    return unchanged(
      `namespace ${namespace} lacks the label ${key}=${value}; the webhook would not be called`,
    );
  }
  // The chart sends pods of ambient namespaces to its second webhook, which says so.
  const ambientNamespace = options.namespaceLabels?.[DATAPLANE_MODE] === AMBIENT;
  const target = { namespace, ownNamespace: options.ownNamespace, ambientNamespace };
  const { plan, patch } = mutatePod(location.pod, target, config, location.base);
  // fast-json-patch inserts values by reference, so give it copies: later operations would edit ours.
  const mutated = fastJsonPatch.applyPatch(
    structuredClone(document),
    structuredClone(patch),
    true,
    true,
  ).newDocument;
  return {
    name,
    original: document,
    mutated,
    patch,
    explanation: explain(plan.decisions),
  };
}

/** Runs the engine over every pod-creating document, as the webhook would at admission. */
function mutateDocuments(
  documents: Document[],
  config: Config,
  options: MutateOptions = {},
): MutatedDocument[] {
  return documents.map((document, index) => {
    try {
      return mutateOne(document, config, options);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(
        `document ${index + 1} (${describe(document)}) cannot be mutated: ${(error as Error).message}`,
      );
    }
  });
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

function render(results: MutatedDocument[], output: string): string {
  if (output === "patch") {
    return results
      .map((result) => `# ${result.name}\n${JSON.stringify(result.patch, null, 2)}\n`)
      .join("");
  }
  if (output === "json") {
    const mutated = results.map((result) => result.mutated);
    return `${JSON.stringify(mutated.length === 1 ? mutated[0] : { apiVersion: "v1", kind: "List", items: mutated }, null, 2)}\n`;
  }
  return results.map((result) => stringify(result.mutated, { lineWidth: 0 })).join("---\n");
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
  const documents = parseDocuments(
    readInput(options.filename),
    options.filename === "-" ? "<stdin>" : options.filename,
  );
  const results = mutateDocuments(documents, config, {
    namespace: options.namespace,
    namespaceLabels:
      options.namespaceLabels === undefined ? undefined : parseLabels(options.namespaceLabels),
    ownNamespace: options.ownNamespace,
  });
  if (options.explain) {
    const lines = results.flatMap((result) => [
      `${result.name}:`,
      ...result.explanation.map((line) => `  ${line}`),
    ]);
    process.stderr.write(`${lines.join("\n")}\n`);
  }
  process.stdout.write(render(results, options.output));
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
        if (!(error instanceof ConfigError || error instanceof InputError)) throw error;
        process.stderr.write(`meshtune mutate: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
