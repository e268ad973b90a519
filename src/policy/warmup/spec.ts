/**
 * The request that warms a server once it is healthy: a POST of the body, or a GET when the body
 * is empty. `openai` asks GET .../models for the served model id first and names it in the body,
 * and falls back to .../embeddings when the completions path answers 404 (a pooling model).
 */
export type WarmRequest =
  | { mode: "health" }
  | {
      mode: "request" | "openai";
      method: "GET" | "POST";
      path: string;
      body: string;
      /** "Name: value" lines. */
      headers: string[];
    };

/** Where the warmup connects: 127.0.0.1 unless the server binds one address of its own. */
export interface Endpoint {
  scheme: "http" | "https";
  /** A name, an IPv4 address, or a bracketed IPv6 one. */
  host: string;
  port: number;
}

/** How to warm one container: where it listens, how it says it is healthy, what warms it. */
export interface WarmupSpec {
  /** Who says so, for the warning: "vLLM", or "meshtune.dev/warmup". */
  source: string;
  endpoint: Endpoint;
  /** A path on the endpoint, or an endpoint of its own (another port or scheme) and a path. */
  health: { path: string; endpoint?: Endpoint; from?: string };
  /** The bearer token, read when sent: `$NAME` from that env variable, `@FILE` TorchServe's key file. */
  auth: string;
  /** Where the token comes from, when the container shows one: "--api-key $(KEY)", "key_file.json". */
  authFrom?: string;
  request: WarmRequest;
}

/** Either a value, or why there is none: one sentence for the warning. */
export type Resolved<T> = { value: T } | { problem: string };

const JSON_CONTENT = "Content-Type: application/json";

/** A POST of a JSON body. */
export function jsonRequest(path: string, body: unknown, mode: "request" | "openai" = "request") {
  return {
    mode,
    method: "POST" as const,
    path,
    body: JSON.stringify(body),
    headers: [JSON_CONTENT],
  };
}

/** "http://127.0.0.1:8000", the hook's base URL. */
export function endpointUrl({ scheme, host, port }: Endpoint): string {
  return `${scheme}://${host}:${port}`;
}

/** "port 8000", "HTTPS port 8443", "10.1.2.3:8000". */
function where({ scheme, host, port }: Endpoint): string {
  const at = host === "127.0.0.1" ? `port ${port}` : `${host}:${port}`;
  return scheme === "https" ? `HTTPS ${at}` : at;
}

/** "GET /health on port 8000, then POST /v1/completions", for the warning. */
export function describeWarmup(spec: WarmupSpec): string {
  const { request, health, endpoint } = spec;
  const from = health.from ? ` (its ${health.from})` : "";
  const first = `GET ${health.path} on ${where(health.endpoint ?? endpoint)}${from}`;
  const token = spec.authFrom ? `, with the token from ${spec.authFrom}` : "";
  if (request.mode === "health") return `${first}, health only${token}`;
  const on = health.endpoint ? ` on ${where(endpoint)}` : "";
  return `${first}, then ${request.method} ${request.path}${on}${token}`;
}
