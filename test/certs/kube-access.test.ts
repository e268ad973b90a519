import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadKubeAccess } from "../../src/certs/kube-access.js";

const CA = "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n";
const base64 = (text: string) => Buffer.from(text).toString("base64");

const directory = () => mkdtempSync(join(tmpdir(), "meshtune-kube-access-"));

function kubeconfigFile(config: object, dir = directory()): string {
  const path = join(dir, "config");
  writeFileSync(path, stringify(config));
  return path;
}

/** A kubeconfig with one context, "dev", for `cluster` and `user`. */
function oneContext(cluster: object, user: object): object {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "dev", cluster }],
    users: [{ name: "dev", user }],
    contexts: [{ name: "dev", context: { cluster: "dev", user: "dev" } }],
    "current-context": "dev",
  };
}

const noHome = { HOME: "/nonexistent" };

describe("loadKubeAccess", () => {
  it("reads the kubeconfig @kubernetes/client-node writes: the server, its CA and the token", () => {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: "c", server: "https://10.0.0.1:6443/", caData: base64(CA) }],
      users: [{ name: "u", token: "a-token" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    const path = join(directory(), "config");
    writeFileSync(path, config.exportConfig());

    const access = loadKubeAccess({ ...noHome, KUBECONFIG: path });

    expect(access.server).toBe("https://10.0.0.1:6443");
    expect(access.ca).toBe(CA);
    expect(access.token?.()).toBe("a-token");
    expect(access.source).toBe(path);
  });

  it("reads certificate, key and token files relative to the kubeconfig", () => {
    const dir = directory();
    mkdirSync(join(dir, "pki"));
    writeFileSync(join(dir, "pki/ca.crt"), CA);
    writeFileSync(join(dir, "pki/client.crt"), CERT);
    writeFileSync(join(dir, "pki/client.key"), KEY);
    writeFileSync(join(dir, "token"), "file-token\n");
    const path = kubeconfigFile(
      oneContext(
        { server: "https://api.example:443", "certificate-authority": "pki/ca.crt" },
        {
          "client-certificate": "pki/client.crt",
          "client-key": "pki/client.key",
          tokenFile: "token",
        },
      ),
      dir,
    );

    const access = loadKubeAccess({ ...noHome, KUBECONFIG: path });

    expect(access).toMatchObject({ ca: CA, cert: CERT, key: KEY });
    expect(access.token?.()).toBe("file-token");
  });

  it("merges the files KUBECONFIG lists as kubectl does: the first to set a value wins", () => {
    const first = kubeconfigFile({
      "current-context": "dev",
      users: [{ name: "dev", user: { token: "first" } }],
    });
    const second = kubeconfigFile(
      oneContext({ server: "https://second:6443" }, { token: "second" }),
    );

    const access = loadKubeAccess({ ...noHome, KUBECONFIG: [first, second].join(delimiter) });

    expect(access.server).toBe("https://second:6443");
    expect(access.token?.()).toBe("first");
  });

  it("uses the pod's service account in a cluster, bracketing an IPv6 service address", () => {
    const account = directory();
    writeFileSync(join(account, "ca.crt"), CA);
    writeFileSync(join(account, "token"), "sa-token\n");

    const access = loadKubeAccess(
      { ...noHome, KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" },
      account,
    );

    expect(access).toMatchObject({
      server: "https://[fd00::1]:443",
      ca: CA,
      source: "the pod's service account",
    });
    expect(access.token?.()).toBe("sa-token");
  });

  it("says where it looked when there is no kubeconfig and no cluster", () => {
    expect(() => loadKubeAccess(noHome)).toThrow(
      "no Kubernetes API to keep certificates with: not in a pod (KUBERNETES_SERVICE_HOST is unset), and no KUBECONFIG or ~/.kube/config",
    );
  });

  it("says which file is missing", () => {
    expect(() => loadKubeAccess({ ...noHome, KUBECONFIG: "/nonexistent/config" })).toThrow(
      "cannot read the kubeconfig /nonexistent/config: ENOENT",
    );
  });

  it("refuses a user it cannot authenticate as, saying what to give it instead", () => {
    const path = kubeconfigFile(
      oneContext(
        { server: "https://api:6443" },
        { exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1" } },
      ),
    );
    expect(() => loadKubeAccess({ ...noHome, KUBECONFIG: path })).toThrow(
      `the kubeconfig ${path}: user "dev" sets exec, which meshtune's certificate keeper does not support; give it a token or a client certificate, or run it in the cluster`,
    );
  });

  it("refuses impersonation rather than act with more privilege than the kubeconfig asks for", () => {
    const path = kubeconfigFile(
      oneContext({ server: "https://api:6443" }, { token: "t", as: "bob" }),
    );
    expect(() => loadKubeAccess({ ...noHome, KUBECONFIG: path })).toThrow(
      `user "dev" sets as, which meshtune's certificate keeper does not support`,
    );
  });

  it("says which user the context names when the file does not have it, rather than call anonymously", () => {
    const config = { ...oneContext({ server: "https://api:6443" }, { token: "t" }), users: [] };
    const path = kubeconfigFile(config);
    expect(() => loadKubeAccess({ ...noHome, KUBECONFIG: path })).toThrow(
      `the kubeconfig ${path}: the current context names user "dev", which it does not have`,
    );
  });

  it("refuses a proxy it would not go through", () => {
    const path = kubeconfigFile(
      oneContext({ server: "https://api:6443", "proxy-url": "http://proxy:3128" }, { token: "t" }),
    );
    expect(() => loadKubeAccess({ ...noHome, KUBECONFIG: path })).toThrow(
      `cluster "dev" sets proxy-url, which meshtune's certificate keeper does not support`,
    );
  });

  it("refuses to skip TLS verification", () => {
    const path = kubeconfigFile(
      oneContext({ server: "https://api:6443", "insecure-skip-tls-verify": true }, { token: "t" }),
    );
    expect(() => loadKubeAccess({ ...noHome, KUBECONFIG: path })).toThrow(
      "skips TLS verification, which meshtune does not do",
    );
  });

  it("names a current context that is not there", () => {
    const path = kubeconfigFile({ "current-context": "gone", contexts: [] });
    expect(() => loadKubeAccess({ ...noHome, KUBECONFIG: path })).toThrow(
      `the kubeconfig ${path}: it has no context "gone"`,
    );
  });
});
