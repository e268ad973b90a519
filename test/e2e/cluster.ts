import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import {
  etcdBinary,
  kubeApiserverBinary,
  kubeControllerManagerBinary,
  kubectlBinary,
} from "./binaries.js";
import { generateClusterCertificates, type ClusterCertificates } from "./cluster-certs.js";
import { freePort } from "./free-port.js";
import {
  removeOnExit,
  startProcess,
  waitUntilReady,
  type ManagedProcess,
} from "./managed-process.js";

/** What a kubectl run printed. */
export interface KubectlOutput {
  stdout: string;
  stderr: string;
}

/** A kubectl run that exited non-zero; its message carries the command and what it printed. */
export class KubectlError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(
      `kubectl ${args.join(" ")} exited with code ${exitCode}:\n${stderr.trim() || stdout.trim()}`,
    );
    this.name = "KubectlError";
  }
}

/** A running etcd and kube-apiserver on loopback, with an admin kubeconfig. */
export interface Cluster {
  /** The apiserver's URL, https://127.0.0.1:<port>. */
  readonly server: string;
  /** A kubeconfig for an admin in group system:masters. */
  readonly kubeconfig: string;
  /** The cluster's certificates; `ca.cert` is the CA the apiserver's serving certificate chains to. */
  readonly certificates: ClusterCertificates;
  /** The temporary directory holding the cluster's files; removed by stop(). */
  readonly dir: string;
  readonly logs: { etcd: string; apiserver: string; controllerManager?: string };
  /** Runs kubectl against the cluster; rejects with a KubectlError when it exits non-zero. */
  kubectl(args: string[], input?: string): Promise<KubectlOutput>;
  /**
   * Creates (or updates) a namespace and its ServiceAccount "default", which a controller-manager
   * would add and the ServiceAccount admission plugin gives every pod that names none.
   */
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  /** Stops the controller-manager, kube-apiserver and etcd and removes `dir`; safe to call more than once. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Extra kube-apiserver flags, appended after the harness's own (a later flag wins). */
  apiserverArgs?: string[];
  /**
   * kube-controller-manager's controllers to run, e.g. ["job"], so that pods are created the way
   * their controllers create them; none by default, and then no controller-manager runs.
   */
  controllers?: string[];
  /** Keeps the directory (logs, certificates, etcd data) after stop(); also MESHTUNE_E2E_KEEP=1. */
  keepDir?: boolean;
}

const SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24";
const KUBERNETES_SERVICE_IP = "10.0.0.1";
const ETCD_READY_MS = 30_000;
// kube-apiserver needs about 10 s on 2 cores before /readyz is ok (RBAC bootstrap, priority and
// fairness, service IP repair); the bound leaves room for a loaded machine.
const APISERVER_READY_MS = 120_000;

/** The environment for Go programs: they honour proxy variables, and a proxy must never see loopback traffic. */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
  ]) {
    delete env[name];
  }
  return env;
}

function etcdHealthy(clientUrl: string): Promise<boolean> {
  return fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2_000) })
    .then((response) => response.json() as Promise<{ health?: string }>)
    .then((body) => body.health === "true");
}

/** Whether an HTTPS GET of `url` answers 200. */
function answersOk(url: string, options: RequestOptions): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const call = request(url, { ...options, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    call.once("timeout", () => call.destroy(new Error("timed out")));
    call.once("error", reject);
    call.end();
  });
}

function apiserverReady(server: string, certificates: ClusterCertificates): Promise<boolean> {
  const { ca, admin } = certificates;
  return answersOk(`${server}/readyz`, { ca: ca.cert, cert: admin.cert, key: admin.key });
}

function startEtcd(dir: string, clientPort: number, peerPort: number): ManagedProcess {
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  return startProcess(
    "etcd",
    etcdBinary(),
    [
      "--name=e2e",
      `--data-dir=${join(dir, "etcd-data")}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=e2e=${peerUrl}`,
      "--initial-cluster-state=new",
    ],
    { logFile: join(dir, "etcd.log"), env: childEnv() },
  );
}

function writePemFiles(dir: string, certificates: ClusterCertificates): Record<string, string> {
  const files = {
    caCert: join(dir, "ca.crt"),
    servingCert: join(dir, "apiserver.crt"),
    servingKey: join(dir, "apiserver.key"),
    serviceAccountPublic: join(dir, "sa.pub"),
    serviceAccountPrivate: join(dir, "sa.key"),
  };
  writeFileSync(files.caCert, certificates.ca.cert);
  writeFileSync(files.servingCert, certificates.apiserver.cert);
  writeFileSync(files.servingKey, certificates.apiserver.key, { mode: 0o600 });
  writeFileSync(files.serviceAccountPublic, certificates.serviceAccount.publicKey);
  writeFileSync(files.serviceAccountPrivate, certificates.serviceAccount.privateKey, {
    mode: 0o600,
  });
  return files;
}

function startApiserver(
  dir: string,
  port: number,
  etcdUrl: string,
  certificates: ClusterCertificates,
  extraArgs: string[],
): ManagedProcess {
  const files = writePemFiles(dir, certificates);
  return startProcess(
    "kube-apiserver",
    kubeApiserverBinary(),
    [
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      `--etcd-servers=${etcdUrl}`,
      `--tls-cert-file=${files.servingCert}`,
      `--tls-private-key-file=${files.servingKey}`,
      "--tls-min-version=VersionTLS12",
      `--client-ca-file=${files.caCert}`,
      `--service-account-key-file=${files.serviceAccountPublic}`,
      `--service-account-signing-key-file=${files.serviceAccountPrivate}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      "--authorization-mode=RBAC",
      "--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultTolerationSeconds,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota",
      // The only address here is loopback, which Endpoints refuse; nothing needs the kubernetes
      // Service's endpoints.
      "--endpoint-reconciler-type=none",
      "--allow-privileged=true",
      "--profiling=false",
      "--v=1",
      ...extraArgs,
    ],
    { logFile: join(dir, "kube-apiserver.log"), env: childEnv() },
  );
}

/** Answers /healthz, which kube-controller-manager serves to anyone (--authorization-always-allow-paths). */
function controllerManagerHealthy(port: number): Promise<boolean> {
  // Its serving certificate is one it made itself.
  return answersOk(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false });
}

/** kube-controller-manager with only `controllers`, acting as the admin kubeconfig's user. */
function startControllerManager(
  dir: string,
  port: number,
  kubeconfig: string,
  controllers: string[],
): ManagedProcess {
  return startProcess(
    "kube-controller-manager",
    kubeControllerManagerBinary(),
    [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      // The harness has no front proxy, so no request-header CA to look up.
      "--authentication-skip-lookup",
      `--controllers=${controllers.join(",")}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, "controller-manager-certs")}`,
      "--profiling=false",
      "--v=1",
    ],
    { logFile: join(dir, "kube-controller-manager.log"), env: childEnv() },
  );
}

function writeKubeconfig(path: string, server: string, certificates: ClusterCertificates): void {
  const base64 = (pem: string) => Buffer.from(pem).toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "e2e",
        cluster: { server, "certificate-authority-data": base64(certificates.ca.cert) },
      },
    ],
    users: [
      {
        name: "e2e-admin",
        user: {
          "client-certificate-data": base64(certificates.admin.cert),
          "client-key-data": base64(certificates.admin.key),
        },
      },
    ],
    contexts: [{ name: "e2e", context: { cluster: "e2e", user: "e2e-admin" } }],
    "current-context": "e2e",
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

function runKubectl(
  kubeconfig: string,
  cacheDir: string,
  args: string[],
  input?: string,
): Promise<KubectlOutput> {
  const child = spawn(
    kubectlBinary(),
    [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cacheDir}`, ...args],
    {
      env: childEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  // kubectl may exit before it reads its input (a get reads none): its exit code tells, not EPIPE.
  child.stdin.on("error", () => undefined);
  child.stdin.end(input ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new KubectlError(args, code, stdout, stderr));
    });
  });
}

/**
 * Starts etcd and kube-apiserver on 127.0.0.1 with fresh certificates, in a new temporary
 * directory, and resolves once the apiserver's /readyz is ok. Call stop() in afterAll; if the
 * test process ends without it, exit handlers kill both process groups.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "meshtune-e2e-"));
  const keepDir = options.keepDir ?? process.env.MESHTUNE_E2E_KEEP === "1";
  const cancelRemoval = keepDir ? () => undefined : removeOnExit(dir);
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    for (const server of [...processes].reverse()) await server.stop();
    processes.length = 0;
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
    cancelRemoval();
  };

  try {
    const [etcdClientPort, etcdPeerPort, apiserverPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const server = `https://127.0.0.1:${apiserverPort}`;
    const certificates = generateClusterCertificates(KUBERNETES_SERVICE_IP);

    const etcd = startEtcd(dir, etcdClientPort, etcdPeerPort);
    processes.push(etcd);
    await waitUntilReady(etcd, "etcd was healthy", ETCD_READY_MS, () => etcdHealthy(etcdUrl));

    const apiserver = startApiserver(
      dir,
      apiserverPort,
      etcdUrl,
      certificates,
      options.apiserverArgs ?? [],
    );
    processes.push(apiserver);
    await waitUntilReady(apiserver, "kube-apiserver's /readyz was ok", APISERVER_READY_MS, () =>
      apiserverReady(server, certificates),
    );

    const kubeconfig = join(dir, "kubeconfig");
    writeKubeconfig(kubeconfig, server, certificates);
    const kubectlCache = join(dir, "kubectl-cache");
    mkdirSync(kubectlCache);
    const kubectl = (args: string[], input?: string) =>
      runKubectl(kubeconfig, kubectlCache, args, input);
    const createNamespace = async (name: string, labels: Record<string, string> = {}) => {
      const objects = [
        { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } },
        {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "default", namespace: name },
        },
      ];
      await kubectl(
        ["apply", "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
      );
    };
    for (const name of ["default", "kube-system"]) await createNamespace(name);
    let controllerManager: ManagedProcess | undefined;
    if (options.controllers !== undefined && options.controllers.length > 0) {
      const port = await freePort();
      controllerManager = startControllerManager(dir, port, kubeconfig, options.controllers);
      processes.push(controllerManager);
      await waitUntilReady(
        controllerManager,
        "kube-controller-manager's /healthz was ok",
        APISERVER_READY_MS,
        () => controllerManagerHealthy(port),
      );
    }
    return {
      server,
      kubeconfig,
      certificates,
      dir,
      logs: {
        etcd: etcd.logFile,
        apiserver: apiserver.logFile,
        ...(controllerManager && { controllerManager: controllerManager.logFile }),
      },
      kubectl,
      createNamespace,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
