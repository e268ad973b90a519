import type { V1Container } from "@kubernetes/client-node";
import type { Draft } from "../draft.js";
import { annotation } from "../draft.js";
import { MESHTUNE } from "../keys.js";
import { literalEnv, portNumber } from "./ports.js";
import { jsonRequest, type Resolved, type WarmRequest } from "./spec.js";

const OLLAMA_PORT = 11434;

/** Ollama's port from OLLAMA_HOST ("0.0.0.0", "0.0.0.0:11500", "http://[::]:11500", ":11500"). */
export function ollamaPort(container: V1Container): Resolved<number> {
  const host = literalEnv(container, "OLLAMA_HOST");
  if (host === undefined) return { value: OLLAMA_PORT };
  if (/^https:\/\//i.test(host)) {
    return { problem: "its OLLAMA_HOST is https, and meshtune warms over plain HTTP only" };
  }
  const hostPort = host.replace(/^http:\/\//i, "").split("/")[0] ?? "";
  const port = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(hostPort)?.[2];
  if (port === undefined) return { value: OLLAMA_PORT };
  const parsed = portNumber(port);
  return parsed === undefined
    ? { problem: "its OLLAMA_HOST has no valid port" }
    : { value: parsed };
}

/** Loads the model named by meshtune.dev/warmup-model and keeps it loaded; without one, health only. */
export function ollamaRequest(draft: Draft): WarmRequest {
  const model = annotation(draft, MESHTUNE.warmupModel)?.trim();
  if (!model) return { mode: "health" };
  return jsonRequest("/api/generate", { model, keep_alive: -1 });
}
