import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { parse } from "yaml";

/** Where the Kubernetes API is and how the certificate keeper proves who it is. */
export interface KubeAccess {
  /** The API's base URL, https://host:port. */
  server: string;
  /** The CA the API's certificate must verify against (PEM); the system's CAs when absent. */
  ca?: string;
  /** A bearer token, read at each call: a service account's token file is rotated by the kubelet. */
  token?: () => string;
  /** A client certificate and its key (PEM). */
  cert?: string;
  key?: string;
  /** Where this came from, for error messages: "the pod's service account" or a kubeconfig path. */
  source: string;
}

/** Where the kubelet puts a pod's service account token and the cluster's CA. */
const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
/** A rotated token file is read again at most this often, as client-go does. */
const TOKEN_REREAD_MS = 60_000;

type Entry = Record<string, unknown>;

interface KubeconfigFile {
  "current-context"?: string;
  clusters?: { name?: string; cluster?: Entry }[];
  users?: { name?: string; user?: Entry }[];
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
}

/** A file's text, or an error saying which file, for what, could not be read. */
function readFor(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read ${what} ${path}: ${reason}`, { cause: error });
  }
}

/** A token file's text, trimmed, read again once TOKEN_REREAD_MS have passed. */
function tokenFile(path: string): () => string {
  let token = readFor(path, "the token file").trim();
  let readAt = Date.now();
  return () => {
    if (Date.now() - readAt >= TOKEN_REREAD_MS) {
      try {
        token = readFileSync(path, "utf8").trim();
        readAt = Date.now();
      } catch {
        // The kubelet swaps the file atomically; the token read last stays valid for a while yet.
      }
    }
    return token;
  };
}

/** The pod's service account, as every in-cluster client finds it. */
function inCluster(env: NodeJS.ProcessEnv, directory: string): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ca: readFor(join(directory, "ca.crt"), "the service account's CA"),
    token: tokenFile(join(directory, "token")),
    source: "the pod's service account",
  };
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

/** PEM from an inline `<key>-data` (base64) or a `<key>` file relative to the kubeconfig. */
function pem(entry: Entry, key: string, base: string): string | undefined {
  const data = text(entry[`${key}-data`]);
  if (data !== undefined) return Buffer.from(data, "base64").toString("utf8");
  const file = text(entry[key]);
  return file === undefined ? undefined : readFor(resolve(base, file), `the kubeconfig's ${key}`);
}

/** The kubeconfig files, merged as kubectl merges them: the first to define a name wins. */
class Kubeconfig {
  readonly source: string;
  readonly #files: { path: string; config: KubeconfigFile }[];

  constructor(paths: string[]) {
    this.source = paths.join(delimiter);
    this.#files = paths.map((path) => ({
      path,
      config: (parse(readFor(path, "the kubeconfig")) ?? {}) as KubeconfigFile,
    }));
  }

  get currentContext(): string | undefined {
    return this.#files.map((f) => text(f.config["current-context"])).find((c) => c !== undefined);
  }

  /** The entry `name` of a list, and the directory its relative paths are relative to. */
  find<K extends "clusters" | "users" | "contexts">(list: K, name: string | undefined) {
    for (const { path, config } of this.#files) {
      const found = config[list]?.find((entry) => name !== undefined && entry.name === name);
      if (found !== undefined)
        return { ...(found as NonNullable<KubeconfigFile[K]>[number]), base: dirname(path) };
    }
    return undefined;
  }

  problem(detail: string): Error {
    return new Error(`the kubeconfig ${this.source}: ${detail}`);
  }
}

function clusterOf(
  kubeconfig: Kubeconfig,
  name: string | undefined,
): Pick<KubeAccess, "server" | "ca"> {
  const found = kubeconfig.find("clusters", name);
  const server = text(found?.cluster?.server);
  if (found?.cluster === undefined || server === undefined)
    throw kubeconfig.problem(`the current context names no cluster with a server`);
  const unsupported = ["proxy-url", "tls-server-name"].find(
    (key) => found.cluster?.[key] !== undefined,
  );
  if (unsupported !== undefined)
    throw kubeconfig.problem(
      `cluster "${name}" sets ${unsupported}, which meshtune's certificate keeper does not support; give it the API's own address`,
    );
  if (found.cluster["insecure-skip-tls-verify"] === true)
    throw kubeconfig.problem(
      `cluster "${name}" skips TLS verification, which meshtune does not do; give it certificate-authority-data`,
    );
  return {
    server: server.replace(/\/+$/, ""),
    ca: pem(found.cluster, "certificate-authority", found.base),
  };
}

function credentialsOf(
  kubeconfig: Kubeconfig,
  name: string | undefined,
): Pick<KubeAccess, "token" | "cert" | "key"> {
  const found = kubeconfig.find("users", name);
  if (name !== undefined && found === undefined)
    throw kubeconfig.problem(`the current context names user "${name}", which it does not have`);
  const user = found?.user ?? {};
  const base = found?.base ?? "";
  // Impersonation ignored would act with more privilege than the kubeconfig asks for.
  const unsupported = [
    "exec",
    "auth-provider",
    "username",
    "as",
    "as-uid",
    "as-groups",
    "as-user-extra",
  ].find((key) => user[key] !== undefined);
  if (unsupported !== undefined)
    throw kubeconfig.problem(
      `user "${name}" sets ${unsupported}, which meshtune's certificate keeper does not support; give it a token or a client certificate, or run it in the cluster`,
    );
  const token = text(user.token);
  const file = text(user.tokenFile);
  return {
    token:
      token !== undefined
        ? () => token
        : file === undefined
          ? undefined
          : tokenFile(resolve(base, file)),
    cert: pem(user, "client-certificate", base),
    key: pem(user, "client-key", base),
  };
}

/**
 * The current context of the kubeconfig files. Only what a webhook needs: a server, its CA, and
 * a token or client certificate; anything else is refused with what to use instead.
 */
function fromKubeconfig(paths: string[]): KubeAccess {
  const kubeconfig = new Kubeconfig(paths);
  const current = kubeconfig.currentContext;
  if (current === undefined) throw kubeconfig.problem("it sets no current-context");
  const context = kubeconfig.find("contexts", current)?.context;
  if (context === undefined) throw kubeconfig.problem(`it has no context "${current}"`);
  return {
    ...clusterOf(kubeconfig, context.cluster),
    ...credentialsOf(kubeconfig, context.user),
    source: kubeconfig.source,
  };
}

/**
 * How to reach the API, found where kubectl and the client libraries look: the files KUBECONFIG
 * lists, else ~/.kube/config if there is one, else the pod's service account (the chart's case).
 */
export function loadKubeAccess(
  env: NodeJS.ProcessEnv = process.env,
  serviceAccount = SERVICE_ACCOUNT,
): KubeAccess {
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter((path) => path !== "");
  if (listed.length > 0) return fromKubeconfig(listed);
  const home = join(env.HOME ?? homedir(), ".kube", "config");
  try {
    readFileSync(home);
    return fromKubeconfig([home]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (env.KUBERNETES_SERVICE_HOST === undefined)
    throw new Error(
      "no Kubernetes API to keep certificates with: not in a pod (KUBERNETES_SERVICE_HOST is unset), and no KUBECONFIG or ~/.kube/config",
    );
  return inCluster(env, serviceAccount);
}
