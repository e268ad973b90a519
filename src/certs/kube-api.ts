import { Agent, request } from "node:https";
import { MIN_TLS_VERSION } from "../server/tls.js";
import type { KubeAccess } from "./kube-access.js";

/** A call the API answered with an error; `status` is the HTTP status, the message the API's. */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A call with no answer by then has failed; the keeper's next round tries again. */
const CALL_TIMEOUT_MS = 10_000;
/** A Secret is at most 1 MiB; nothing the keeper reads comes near this. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** The message of a metav1.Status the API answers errors with, when the body is one. */
function statusMessage(body: string): string {
  try {
    const { message } = JSON.parse(body) as { message?: unknown };
    if (typeof message === "string" && message !== "") return message;
  } catch {
    // Not JSON: a proxy's page, say. Its start is the best there is.
  }
  return body.slice(0, 200);
}

/**
 * The few Kubernetes REST calls the certificate keeper makes (read, create and replace a Secret;
 * read and JSON-patch a webhook configuration), as JSON over node:https. Not
 * @kubernetes/client-node, which stays the project's client for `meshtune audit`: loading it
 * costs the server 60-85 MB of RSS and half a second of its start (`npm run bench`), and any of
 * its API classes loads every one of its models.
 */
export class KubeApi {
  readonly #agent: Agent;

  constructor(readonly access: KubeAccess) {
    this.#agent = new Agent({
      keepAlive: true,
      ca: access.ca,
      cert: access.cert,
      key: access.key,
      minVersion: MIN_TLS_VERSION,
    });
  }

  get<T>(path: string): Promise<T> {
    return this.#call<T>("GET", path);
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.#call<T>("POST", path, body);
  }

  replace<T>(path: string, body: unknown): Promise<T> {
    return this.#call<T>("PUT", path, body);
  }

  /** An RFC 6902 JSON Patch. */
  jsonPatch<T>(path: string, operations: unknown[]): Promise<T> {
    return this.#call<T>("PATCH", path, operations, "application/json-patch+json");
  }

  /** Closes the idle connections. */
  close(): void {
    this.#agent.destroy();
  }

  #call<T>(method: string, path: string, body?: unknown, type = "application/json"): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const token = this.access.token?.();
    const headers: Record<string, string | number> = { Accept: "application/json" };
    if (token !== undefined && token !== "") headers.Authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers["Content-Type"] = type;
      headers["Content-Length"] = Buffer.byteLength(payload);
    }
    return new Promise<T>((resolve, reject) => {
      const req = request(
        // Joined, not resolved: a server URL may have a path (a proxy's /k8s/clusters/c-x).
        new URL(this.access.server + path),
        { method, headers, agent: this.#agent, timeout: CALL_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES)
              res.destroy(new Error(`the answer is over ${MAX_ANSWER_BYTES} bytes`));
            else chunks.push(chunk);
          });
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) {
              reject(new KubeApiError(status, statusMessage(text)));
              return;
            }
            try {
              resolve(JSON.parse(text) as T);
            } catch {
              reject(new Error(`the API answered ${method} ${path} with something not JSON`));
            }
          });
        },
      );
      req.on("timeout", () =>
        req.destroy(
          new Error(`no answer from ${this.access.server} within ${CALL_TIMEOUT_MS / 1000} s`),
        ),
      );
      req.on("error", reject);
      req.end(payload);
    });
  }
}
