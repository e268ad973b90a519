import { accessSync, constants, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const BUILD_SCRIPT = "scripts/e2e/build-kube-apiserver.sh";

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return process.env.MESHTUNE_CACHE_DIR ?? join(base, "meshtune");
}

function executable(path: string, whatToDo: string): string {
  try {
    accessSync(path, constants.X_OK);
    return realpathSync(path);
  } catch {
    throw new Error(`${path} is not an executable file. ${whatToDo}`);
  }
}

const NOT_BUILT = `kube-apiserver and kubectl have not been built: run \`bash ${BUILD_SCRIPT}\` (\`npm run test:e2e\` runs it first).`;

// The build script points this link at the directory of the binaries it built last.
function cachedBuild(): string {
  return join(cacheDir(), "kubernetes", "current");
}

/** The kube-apiserver that scripts/e2e/build-kube-apiserver.sh built, or MESHTUNE_KUBE_APISERVER. */
export function kubeApiserverBinary(): string {
  const override = process.env.MESHTUNE_KUBE_APISERVER;
  if (override)
    return executable(override, "Point MESHTUNE_KUBE_APISERVER at a kube-apiserver binary.");
  return executable(join(cachedBuild(), "kube-apiserver"), NOT_BUILT);
}

/** Debian's etcd (package etcd-server), or MESHTUNE_ETCD. */
export function etcdBinary(): string {
  const override = process.env.MESHTUNE_ETCD;
  if (override) return executable(override, "Point MESHTUNE_ETCD at an etcd binary.");
  return executable(
    "/usr/bin/etcd",
    `Install Debian's etcd-server (\`bash ${BUILD_SCRIPT}\` does).`,
  );
}

/**
 * The kubectl built beside kube-apiserver, so client and server are the same version (kubectl
 * supports one minor version of skew), or MESHTUNE_KUBECTL.
 */
export function kubectlBinary(): string {
  const override = process.env.MESHTUNE_KUBECTL;
  if (override) return executable(override, "Point MESHTUNE_KUBECTL at a kubectl binary.");
  return executable(join(cachedBuild(), "kubectl"), NOT_BUILT);
}
