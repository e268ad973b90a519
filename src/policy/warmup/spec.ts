/**
 * The request that warms a server once it is healthy. `vllm` asks GET /v1/models for the served
 * model id first and puts it where the body says @MODEL@ (and sends VLLM_API_KEY as a bearer
 * token when the container has it).
 */
export type WarmRequest =
  | { mode: "health" }
  | {
      mode: "request" | "vllm";
      method: "GET" | "POST";
      path: string;
      body: string;
      /** "Name: value" lines. */
      headers: string[];
    };

/** How to warm one container: where it listens, how it says it is healthy, what warms it. */
export interface WarmupSpec {
  /** Who says so, for the warning: "vLLM", or "meshtune.dev/warmup". */
  source: string;
  port: number;
  health: string;
  request: WarmRequest;
}

/** Either a value, or why there is none: one sentence for the warning. */
export type Resolved<T> = { value: T } | { problem: string };

const JSON_CONTENT = "Content-Type: application/json";

/** A POST of a JSON body. */
export function jsonRequest(path: string, body: unknown, mode: "request" | "vllm" = "request") {
  return {
    mode,
    method: "POST" as const,
    path,
    body: JSON.stringify(body),
    headers: [JSON_CONTENT],
  };
}

/** "GET /health on port 8000, then POST /v1/completions", for the warning. */
export function describeWarmup(spec: WarmupSpec): string {
  const { request } = spec;
  const then = request.mode === "health" ? "health only" : `then ${request.method} ${request.path}`;
  return `GET ${spec.health} on port ${spec.port}, ${then}`;
}
