import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { V1Pod } from "@kubernetes/client-node";
import { Command, Option } from "commander";
import { pino } from "pino";
import { podCreationReview } from "../admission/request.js";
import { LOOPBACK_NAMES, writeLoopbackCertificates } from "../certs/loopback.js";
import { DEFAULT_CONFIG_PATH } from "../config/load.js";
import { postReview } from "./https-client.js";
import { SERVER_DEFAULTS, startServer } from "../server/server.js";
import { parsePort } from "./arguments.js";
import { createLogger, LOG_LEVELS } from "../server/logger.js";
import { podShapeProblem } from "../admission/pod-shape.js";
import { isPlainObject } from "../plain-object.js";
import type { PodShape } from "../policy/pod.js";
import { asCreated, controllerAdditions } from "./controller-labels.js";
import { documentLabel, readDocuments, type Manifest } from "./documents.js";
import { podPath, valueAt } from "./workloads.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEV_CERTS = resolve(ROOT, "certs");
const EXAMPLE_POD = resolve(ROOT, "examples/vllm-pod.yaml");
const HOST = "127.0.0.1";

interface DemoFlags {
  port: number;
  file: string;
  logLevel: string;
  full: boolean;
  certsDir: string;
  config: string;
}

const LONG_STRING = 100;

/** One operation per line; with `shorten`, long strings (the warmup script) show their start and length. */
function formatPatch(operations: unknown[], shorten: boolean): string {
  if (operations.length === 0) return "  (none)";
  const shortened = (_key: string, value: unknown) =>
    typeof value === "string" && value.length > LONG_STRING
      ? `${value.slice(0, 40)}... (${value.length} characters; --full shows all)`
      : value;
  const lines = operations.map((op) => `  ${JSON.stringify(op, shorten ? shortened : undefined)}`);
  return `[\n${lines.join(",\n")}\n]`;
}

const shown = (path: string) => relative(process.cwd(), path) || ".";
const say = (line = "") => process.stdout.write(`${line}\n`);

interface DemoPod {
  /** `document 2 (Deployment/llama)`. */
  label: string;
  pod: V1Pod;
}

/** A manifest's pod as the apiserver sends it: a Pod, or one its controller made from a template. */
function podOf(manifest: Manifest, label: string): DemoPod | undefined {
  const path = podPath(manifest.kind);
  if (path === undefined) return undefined;
  const template = valueAt(manifest, path);
  const problem = podShapeProblem(template, path.join("."));
  if (problem !== undefined) throw new Error(`${label}: ${problem}`);
  if (path.length === 0) return { label, pod: manifest };
  const { name = "demo", namespace = "default" } = (manifest.metadata ?? {}) as {
    name?: string;
    namespace?: string;
  };
  const created = asCreated(template as PodShape, controllerAdditions(manifest));
  const metadata = { generateName: `${name}-`, namespace, ...created.metadata };
  return { label, pod: { apiVersion: "v1", kind: "Pod", metadata, spec: created.spec } };
}

/** Every pod the manifests in `file` create (Lists included), in order. */
function readPods(file: string): DemoPod[] {
  const documents = readDocuments(readFileSync(file, "utf8"), shown(file));
  const pods = documents.flatMap(({ index, yaml, value }) => {
    const label = `${shown(file)}: ${documentLabel(index, yaml)}`;
    const manifests =
      value?.kind === "List" && Array.isArray(value.items) ? value.items : value ? [value] : [];
    return manifests.flatMap((manifest) =>
      isPlainObject(manifest) ? (podOf(manifest, label) ?? []) : [],
    );
  });
  if (pods.length === 0) {
    throw new Error(
      `${shown(file)} creates no pod; give a Pod or a workload (Deployment, StatefulSet, Job, ...)`,
    );
  }
  return pods;
}

/** Sends one pod's creation review and prints the answer. */
async function sendPod(url: string, caCert: string, { label, pod }: DemoPod, full: boolean) {
  const review = podCreationReview(pod);
  const where = `${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? `${pod.metadata?.generateName ?? ""}*`}`;
  say();
  say(`request       AdmissionReview ${review.apiVersion}, CREATE pod ${where} from ${label}`);
  const { response } = await postReview(url, review, { ca: caCert });
  const operations: unknown[] = response.patch
    ? (JSON.parse(Buffer.from(response.patch, "base64").toString("utf8")) as unknown[])
    : [];
  say(
    `allowed: ${response.allowed}, uid echoed: ${response.uid === review.request.uid}, profile: ${response.auditAnnotations?.profile ?? "none"}`,
  );
  say(`patch (${response.patchType ?? "none"}, ${operations.length} operations, decoded):`);
  say(formatPatch(operations, !full));
  say(`warnings (kubectl prints these):`);
  for (const warning of response.warnings ?? ["(none)"]) say(`  ${warning}`);
}

async function demo(flags: DemoFlags): Promise<void> {
  const file = resolve(flags.file);
  const pods = readPods(file);
  const certsDir = resolve(flags.certsDir);
  const caCert = writeLoopbackCertificates(certsDir, "meshtune-dev-ca");
  const names = [...LOOPBACK_NAMES.dnsNames, ...LOOPBACK_NAMES.ipAddresses].join(", ");
  say(`certificates  ${shown(certsDir)}/ca.crt, tls.crt, tls.key (a new development CA; ${names})`);

  const server = await startServer({
    ...SERVER_DEFAULTS,
    port: flags.port,
    host: HOST,
    tlsDir: certsDir,
    configPath: resolve(flags.config),
    metricsPort: 0,
    shutdownGraceMs: 2000,
    logger: createLogger(flags.logLevel, pino.destination(2)),
  });
  const url = `https://${HOST}:${server.port}/mutate`;
  say(`server        ${url}, config ${shown(resolve(flags.config))}`);
  try {
    for (const pod of pods) await sendPod(url, caCert, pod, flags.full);
  } finally {
    await server.shutdown();
  }
  say();
  say("server stopped.");
}

export function demoCommand(): Command {
  return new Command("demo")
    .description(
      "Make development certificates, serve on 127.0.0.1, send each pod a manifest file creates as an AdmissionReview and print the answers",
    )
    .addOption(
      new Option("--port <port>", "HTTPS port (0: any free port)")
        .argParser(parsePort)
        .default(SERVER_DEFAULTS.port),
    )
    .addOption(
      new Option(
        "-f, --file <manifest>",
        "the Pods and workloads to send (multi-document YAML or JSON)",
      ).default(EXAMPLE_POD, shown(EXAMPLE_POD)),
    )
    .addOption(
      new Option("--config <file>", "meshtune config file").default(
        DEFAULT_CONFIG_PATH,
        "the shipped config/meshtune.yaml",
      ),
    )
    .option("--full", "print long strings in the patch whole", false)
    .addOption(
      new Option("--certs-dir <dir>", "where to write the development certificates").default(
        DEV_CERTS,
        shown(DEV_CERTS),
      ),
    )
    .addOption(
      new Option("--log-level <level>", "server log level (logs go to stderr)")
        .choices(LOG_LEVELS)
        .default("warn"),
    )
    .action(async (flags: DemoFlags) => {
      try {
        await demo(flags);
      } catch (error) {
        process.stderr.write(`meshtune demo: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
