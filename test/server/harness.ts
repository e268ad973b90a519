import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
  readlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { generateCA, type CertificatePair } from "../../src/certs/generate.js";
import { generateLoopbackCert } from "../../src/certs/loopback.js";
import { writeCertificateFiles } from "../../src/certs/write.js";
import { DEFAULT_CONFIG_PATH } from "../../src/config/load.js";
import {
  SERVER_DEFAULTS,
  startServer,
  type RunningServer,
  type ServerOptions,
} from "../../src/server/server.js";

export const LOOPBACK = "127.0.0.1";

/**
 * The review thread runs compiled JavaScript: a worker thread cannot load src/'s TypeScript, so
 * servers started from src/ use the build `npm test` makes before it runs the tests.
 */
const REVIEW_WORKER = new URL("../../dist/server/review-worker.js", import.meta.url);
export const SHIPPED_CONFIG = readFileSync(DEFAULT_CONFIG_PATH, "utf8");

export interface ServingCerts {
  ca: CertificatePair;
  serving: CertificatePair;
}

/** A serving certificate for loopback, signed by `ca` (a new CA when not given). */
export function loopbackCerts(ca: CertificatePair = generateCA()): ServingCerts {
  return {
    ca,
    serving: generateLoopbackCert(ca),
  };
}

let shared: ServingCerts | undefined;
// Key generation is the slow part of a start; servers that need no certificate of their own share one.
const sharedCerts = () => (shared ??= loopbackCerts());

let generation = 0;

/**
 * Writes `files` into `dir` as kubelet updates a Secret or ConfigMap volume: into a new
 * timestamped directory, then one atomic rename of the `..data` symlink onto it; each file is a
 * symlink through `..data`, made once.
 */
export function writeMountedVolume(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  const data = join(dir, "..data");
  const previous = existsSync(data) ? readlinkSync(data) : undefined;
  const version = `..${new Date().toISOString().replace(/[-:.]/g, "_")}.${process.pid}_${generation++}`;
  mkdirSync(join(dir, version));
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(dir, version, name), text, { mode: 0o644 });
  symlinkSync(version, join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), data);
  for (const name of Object.keys(files)) {
    if (!existsSync(join(dir, name))) symlinkSync(join("..data", name), join(dir, name));
  }
  if (previous !== undefined) rmSync(join(dir, previous), { recursive: true });
}

/** A new directory holding tls.crt, tls.key and ca.crt, as `meshtune serve --tls-dir` reads them. */
export function tlsDirectory(certs: ServingCerts, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeCertificateFiles(dir, {
    caCert: certs.ca.cert,
    cert: certs.serving.cert,
    key: certs.serving.key,
  });
  return dir;
}

export function writeTls(dir: string, certs: ServingCerts): void {
  writeMountedVolume(dir, {
    "tls.crt": certs.serving.cert,
    "tls.key": certs.serving.key,
    "ca.crt": certs.ca.cert,
  });
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface Harness {
  url: string;
  metricsUrl: string;
  /** The CA clients trust. */
  ca: string;
  certs: ServingCerts;
  tlsDir: string;
  configDir: string;
  configPath: string;
  logs: LogLine[];
  server: RunningServer;
}

export interface HarnessOptions extends Partial<
  Omit<ServerOptions, "logger" | "tlsDir" | "configPath">
> {
  config?: string;
  /** The certificate to start with; null starts with an empty TLS directory. */
  certs?: ServingCerts | null;
}

/** A meshtune server on loopback, with its certificate and config in kubelet-style mounted volumes. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { config = SHIPPED_CONFIG, certs: given, ...overrides } = options;
  const root = mkdtempSync(join(tmpdir(), "meshtune-server-"));
  const tlsDir = join(root, "tls");
  const configDir = join(root, "config");
  const certs = given ?? sharedCerts();
  mkdirSync(tlsDir);
  if (given !== null) writeTls(tlsDir, certs);
  writeMountedVolume(configDir, { "meshtune.yaml": config });
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString("utf8")) as LogLine);
      done();
    },
  });
  const server = await startServer({
    ...SERVER_DEFAULTS,
    port: 0,
    metricsPort: 0,
    host: LOOPBACK,
    tlsDir,
    configPath: join(configDir, "meshtune.yaml"),
    logger: pino({ level: "debug" }, sink),
    reviewWorker: REVIEW_WORKER,
    ...overrides,
  });
  return {
    url: `https://${LOOPBACK}:${server.port}`,
    metricsUrl: `http://${LOOPBACK}:${server.metricsPort}`,
    ca: certs.ca.cert,
    certs,
    tlsDir,
    configDir,
    configPath: join(configDir, "meshtune.yaml"),
    logs,
    server,
  };
}

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
export function metricValue(
  exposition: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of exposition.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? "").split(",");
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

export async function scrape(harness: Harness): Promise<string> {
  return (await fetch(`${harness.metricsUrl}/metrics`)).text();
}

/** Retries `check` until it stops throwing, for changes that arrive through file watches. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
