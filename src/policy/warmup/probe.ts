import type { V1Container, V1Probe } from "@kubernetes/client-node";
import { isUrlPath } from "./url-path.js";

/** The container's own httpGet probe: where the container says its server answers. */
export interface BorrowedProbe {
  scheme: "http" | "https";
  port: number;
  path: string;
  /** "readinessProbe", for the warning. */
  from: string;
}

// Readiness first: it says when the container may serve; a startup or liveness probe usually
// checks the same health path, or one that passes sooner.
const PROBES = ["readinessProbe", "startupProbe", "livenessProbe"] as const;

/** A probe's port: a number, or the name of one of the container's ports. */
function probePort(container: V1Container, port: number | string): number | undefined {
  const number =
    typeof port === "number"
      ? port
      : container.ports?.find(({ name }) => name === port)?.containerPort;
  return number !== undefined && Number.isInteger(number) && number >= 1 && number <= 65535
    ? number
    : undefined;
}

function borrowable(container: V1Container, probe: V1Probe | undefined) {
  const get = probe?.httpGet;
  // A probe of another host checks something else; the kubelet itself asks the pod's IP. (A
  // manifest's empty `httpGet:` or `host:` is null, which counts as missing.)
  if (!get || !["127.0.0.1", "localhost"].includes(get.host ?? "localhost")) return undefined;
  const port = probePort(container, get.port);
  const path = get.path || "/";
  if (port === undefined || !isUrlPath(path)) return undefined;
  return { scheme: get.scheme?.toUpperCase() === "HTTPS" ? "https" : "http", port, path } as const;
}

/** The first httpGet probe of readiness, startup and liveness that meshtune can follow. */
export function borrowedProbe(container: V1Container): BorrowedProbe | undefined {
  for (const from of PROBES) {
    const found = borrowable(container, container[from]);
    if (found) return { ...found, from };
  }
  return undefined;
}
