import type { V1Container } from "@kubernetes/client-node";
import type { Draft } from "../draft.js";
import { annotation } from "../draft.js";
import { MESHTUNE } from "../keys.js";
import { connectHost, envSetting } from "./ports.js";
import { jsonRequest, type Endpoint, type Resolved, type WarmRequest } from "./spec.js";

/**
 * Where `ollama serve` listens, read as envconfig.Host() reads OLLAMA_HOST (ollama/ollama
 * envconfig/config.go:22-60, Var at :375-377) and cmd/cmd.go:2020 listens on it. The server is
 * plain HTTP whatever the scheme says: https:// only changes the default port to 443.
 */
export function ollamaEndpoint(container: V1Container): Resolved<Endpoint> {
  const setting = envSetting(container, "OLLAMA_HOST");
  if (setting && !("value" in setting)) {
    return { problem: "its OLLAMA_HOST env comes from a Secret, ConfigMap or field" };
  }
  // Var: spaces, then quotes, trimmed; Host trims spaces once more.
  const text = (setting?.value ?? "")
    .trim()
    .replace(/^["']+|["']+$/g, "")
    .trim();
  if (text === "ollama.com")
    return { problem: 'its OLLAMA_HOST is "ollama.com", not a local server' };
  const { hostPort, defaultPort } = schemeCut(text);
  const split = splitHostPort(hostPort);
  const { host, port } = split ?? { host: bareAddress(hostPort), port: defaultPort };
  // strconv.ParseInt(port, 10, 32), then 0-65535; anything else falls back to the default.
  const number = /^[+-]?\d+$/.test(port) ? Number(port) : Number.NaN;
  const listening = number >= 0 && number <= 65535 ? number : Number(defaultPort);
  if (listening === 0)
    return { problem: "its OLLAMA_HOST asks for port 0, which the system picks" };
  const address = connectHost(host);
  if ("problem" in address) return address;
  return { value: { scheme: "http", host: address.value, port: listening } };
}

/** The host and port before any path, and the port a scheme implies: http 80, https 443. */
function schemeCut(text: string): { hostPort: string; defaultPort: string } {
  const cut = text.indexOf("://");
  const scheme = cut === -1 ? "" : text.slice(0, cut);
  const hostPort = (cut === -1 ? text : text.slice(cut + 3)).split("/")[0] ?? "";
  const defaultPort = scheme === "http" ? "80" : scheme === "https" ? "443" : "11434";
  return { hostPort, defaultPort };
}

/** net.SplitHostPort: "host:port" or "[v6]:port"; undefined where Go reports an error. */
function splitHostPort(text: string): { host: string; port: string } | undefined {
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2]! };
  const colon = text.lastIndexOf(":");
  if (colon === -1 || text.slice(0, colon).includes(":") || /[[\]]/.test(text)) return undefined;
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** Without a port: an IP (brackets trimmed) as it is, any other non-empty text as a host name. */
function bareAddress(text: string): string {
  return text === "" ? "127.0.0.1" : text.replace(/^\[+|\]+$/g, "");
}

/** Loads the model named by meshtune.dev/warmup-model and keeps it loaded; without one, health only. */
export function ollamaRequest(draft: Draft): WarmRequest {
  const model = annotation(draft, MESHTUNE.warmupModel)?.trim();
  if (!model) return { mode: "health" };
  return jsonRequest("/api/generate", { model, keep_alive: -1 });
}
