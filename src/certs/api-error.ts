import { KubeApiError } from "./kube-api.js";

/** The HTTP status of a failed Kubernetes API call, or undefined when it never got an answer. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.status : undefined;
}

/** An actionable sentence for a failed call: what was attempted, what came back, what to check. */
export function describeApiError(action: string, error: unknown): Error {
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    return new Error(
      `cannot ${action}: the API answered ${status}; check that meshtune's identity (in the chart, the pod's ServiceAccount) is bound to meshtune's Role and ClusterRole`,
    );
  }
  const detail =
    status === undefined
      ? (error as Error).message
      : `the API answered ${status}: ${(error as Error).message}`;
  return new Error(`cannot ${action}: ${detail}`);
}
