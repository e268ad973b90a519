import { accessSync, constants, readdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const BUILD_SCRIPT = "scripts/e2e/build-binaries.sh";
const WRAPPERS = "scripts/e2e/go";

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

const NOT_BUILT = `the e2e binaries have not been built: run \`bash ${BUILD_SCRIPT}\` (\`npm run test:e2e\` runs it first).`;

/** The Kubernetes minor versions the suite can run against: one wrapper module each. */
export function kubernetesVersions(): string[] {
  return readdirSync(WRAPPERS)
    .flatMap((name) => /^kubernetes-(1\.\d+)$/.exec(name)?.[1] ?? [])
    .sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
}

/**
 * The Kubernetes minor version this run uses: MESHTUNE_E2E_KUBERNETES (e.g. "1.34"), else the
 * newest one pinned. `npm run test:e2e` runs the suite once for each.
 */
export function kubernetesVersion(): string {
  const versions = kubernetesVersions();
  const chosen = process.env.MESHTUNE_E2E_KUBERNETES ?? versions.at(-1);
  if (chosen === undefined || !versions.includes(chosen)) {
    throw new Error(
      `MESHTUNE_E2E_KUBERNETES=${String(chosen)} names no wrapper in ${WRAPPERS}; pinned: ${versions.join(", ")}.`,
    );
  }
  return chosen;
}

// The build script points each component's `current` link at the directory it built last.
function built(component: string, binary: string, override: string): string {
  const path = process.env[override];
  if (path) return executable(path, `Point ${override} at a ${binary} binary.`);
  return executable(join(cacheDir(), component, "current", binary), NOT_BUILT);
}

const kubernetes = (binary: string, override: string) =>
  built(`kubernetes-${kubernetesVersion()}`, binary, override);

/** kube-apiserver of the Kubernetes version in use, or MESHTUNE_KUBE_APISERVER. */
export const kubeApiserverBinary = () => kubernetes("kube-apiserver", "MESHTUNE_KUBE_APISERVER");

/** etcd at the version that Kubernetes release pins, or MESHTUNE_ETCD. */
export const etcdBinary = () => kubernetes("etcd", "MESHTUNE_ETCD");

/** kube-controller-manager of the same release, or MESHTUNE_KUBE_CONTROLLER_MANAGER. */
export const kubeControllerManagerBinary = () =>
  kubernetes("kube-controller-manager", "MESHTUNE_KUBE_CONTROLLER_MANAGER");

/** kubectl of the same version as kube-apiserver (kubectl supports one minor of skew), or MESHTUNE_KUBECTL. */
export const kubectlBinary = () => kubernetes("kubectl", "MESHTUNE_KUBECTL");

/** The host of Istio's own injection webhook (scripts/e2e/go/istio-1.30/injector). */
export const istioInjectorBinary = () =>
  built("istio-1.30", "istio-injector", "MESHTUNE_ISTIO_INJECTOR");

/** istioctl of the same Istio commit, which renders that release's charts. */
export const istioctlBinary = () => built("istio-1.30", "istioctl", "MESHTUNE_ISTIOCTL");
