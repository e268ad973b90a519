import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { KubernetesObject } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { childEnv } from "./cluster.js";

// Gateway API's CRDs, at the version Istio's wrapper module pins (its go.mod and go.sum), read
// from the Go module cache at test time; `go mod download` fetches the module through the proxy
// if the Istio build did not already.
const PINNING_MODULE = "scripts/e2e/go/istio-1.30";
const MODULE = "sigs.k8s.io/gateway-api";

export interface GatewayApi {
  version: string;
  crds: KubernetesObject[];
}

export function gatewayApiCrds(resources: string[]): GatewayApi {
  const info = JSON.parse(
    execFileSync("go", ["mod", "download", "-json", MODULE], {
      cwd: PINNING_MODULE,
      encoding: "utf8",
      env: { ...childEnv(), GOTOOLCHAIN: "local" },
    }),
  ) as { Dir?: string; Version?: string; Error?: string };
  if (info.Dir === undefined)
    throw new Error(`go mod download ${MODULE} in ${PINNING_MODULE} failed: ${info.Error}`);
  const crds = resources.flatMap((resource) => {
    const file = join(
      info.Dir as string,
      "config/crd/standard",
      `gateway.networking.k8s.io_${resource}.yaml`,
    );
    return parseAllDocuments(readFileSync(file, "utf8"))
      .map((document) => document.toJS() as KubernetesObject | null)
      .filter((object): object is KubernetesObject => object !== null);
  });
  return { version: info.Version ?? "", crds };
}
