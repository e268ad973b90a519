import type { V1Container } from "@kubernetes/client-node";
import type { Draft } from "../draft.js";
import type { ServerKind } from "../model-servers.js";
import { ollamaPort, ollamaRequest } from "./ollama.js";
import { serverPort, type PortSource } from "./ports.js";
import { jsonRequest, type Resolved, type WarmRequest } from "./spec.js";

/** What meshtune knows about warming one kind of model server. */
export interface ServerWarmup {
  port(container: V1Container): Resolved<number>;
  health: string;
  request(draft: Draft): WarmRequest;
}

function portFrom(source: PortSource): ServerWarmup["port"] {
  return (container) => serverPort(container, source);
}

const HEALTH_ONLY = (): WarmRequest => ({ mode: "health" });

// The cheapest request that goes through each server's real HTTP, tokenizer and model path.
export const SERVER_WARMUPS: Record<ServerKind, ServerWarmup> = {
  vllm: {
    port: portFrom({ flag: "--port", fallback: 8000 }),
    health: "/health",
    request: () =>
      jsonRequest("/v1/completions", { model: "@MODEL@", prompt: "warmup", max_tokens: 1 }, "vllm"),
  },
  tgi: {
    // The official image sets PORT=80 (the launcher's own default is 3000).
    port: portFrom({ flag: "--port", env: "PORT", fallback: 80 }),
    health: "/health",
    request: () =>
      jsonRequest("/generate", { inputs: "warmup", parameters: { max_new_tokens: 1 } }),
  },
  sglang: {
    port: portFrom({ flag: "--port", fallback: 30000 }),
    health: "/health",
    request: () =>
      jsonRequest("/generate", { text: "warmup", sampling_params: { max_new_tokens: 1 } }),
  },
  // Triton, TorchServe and KServe take model-specific tensors: no generic body exists.
  triton: {
    port: portFrom({ flag: "--http-port", fallback: 8000 }),
    health: "/v2/health/ready",
    request: HEALTH_ONLY,
  },
  torchserve: { port: () => ({ value: 8080 }), health: "/ping", request: HEALTH_ONLY },
  ollama: { port: ollamaPort, health: "/api/version", request: ollamaRequest },
  kserve: {
    port: portFrom({ flag: "--http_port", fallback: 8080 }),
    health: "/v2/health/live",
    request: HEALTH_ONLY,
  },
};
