import type { V1Container } from "@kubernetes/client-node";
import type { Draft } from "../draft.js";
import type { ServerKind } from "../model-servers.js";
import type { CommandLine } from "./command-line.js";
import { ollamaEndpoint, ollamaRequest } from "./ollama.js";
import {
  connectHost,
  envReference,
  portNumber,
  envSetting,
  literalEnv,
  setting,
  settingPort,
  type SettingSource,
} from "./ports.js";
import { jsonRequest, type Endpoint, type Resolved, type WarmRequest } from "./spec.js";
import { torchserveEndpoint, torchserveToken } from "./torchserve.js";
import { isUrlPath } from "./url-path.js";

/** The bearer token a server checks, as the hook reads it at run time. */
interface Token {
  /** `$NAME`, `@FILE`, or "" for none. */
  auth: string;
  /** Where it comes from, when the container shows one. */
  from?: string;
  /** Why the warm request goes without the key it needs. */
  note?: string;
}

/** Its health check: a path, with a port of its own where the server has one. */
interface Health {
  path: string;
  port?: number;
}

/**
 * Where a server listens, or why admission cannot tell. `unknown` marks what the container's own
 * probe or a meshtune.dev/warmup port may tell instead: a port or a config file, never an address.
 */
export type Located = { value: Endpoint } | { problem: string; unknown?: true };

/** What meshtune knows about warming one kind of model server, each read as the server reads it. */
export interface ServerWarmup {
  /** Why nothing will answer HTTP on a TCP port, or undefined. */
  silent?(line: CommandLine, container: V1Container): string | undefined;
  endpoint(container: V1Container, line: CommandLine): Located;
  health(container: V1Container, line: CommandLine): Resolved<Health>;
  request(draft: Draft, container: V1Container, line: CommandLine): Resolved<WarmRequest>;
  token?(container: V1Container, line: CommandLine): Token;
}

const LOOPBACK = "127.0.0.1";
const HEALTH_ONLY = (): Resolved<WarmRequest> => ({ value: { mode: "health" } });
const path = (value: string) => (): Resolved<Health> => ({ value: { path: value } });
const request = (value: WarmRequest) => (): Resolved<WarmRequest> => ({ value });

/** A completion of one token, in the OpenAI API: the hook names the served model itself. */
const completion = (at: string) =>
  request(jsonRequest(at, { prompt: "warmup", max_tokens: 1 }, "openai"));

interface Listen {
  port: SettingSource & { fallback: number };
  /** The address it binds; TGI takes only IP addresses and binds 0.0.0.0 for anything else. */
  host?: SettingSource & { ipOnly?: boolean };
  /** Flags or env that switch it to HTTPS. */
  tls?: SettingSource;
  /** A flag that makes it read its flags from a file meshtune cannot read at admission. */
  config?: string;
}

function listenHost(
  container: V1Container,
  line: CommandLine,
  source: Listen["host"],
): Resolved<string> {
  if (source === undefined) return { value: LOOPBACK };
  const found = setting(container, line, source);
  if (found === undefined) return { value: LOOPBACK };
  if ("problem" in found) return found;
  const address = found.value.text.trim();
  const ip = /^[\d.]+$/.test(address) || address.includes(":");
  return source.ipOnly && !ip ? { value: LOOPBACK } : connectHost(address);
}

/** Where a server listens that reads its port, address and TLS from flags and env. */
function listen(spec: Listen): ServerWarmup["endpoint"] {
  return (container, line) => {
    const host = listenHost(container, line, spec.host);
    if ("problem" in host) return host;
    if (spec.config !== undefined && line.has([spec.config])) {
      return {
        problem: `it reads its flags from ${spec.config} FILE, which meshtune cannot read`,
        unknown: true,
      };
    }
    const port = settingPort(container, line, spec.port, spec.port.fallback);
    if ("problem" in port) return { ...port, unknown: true };
    // A certificate from a Secret still means HTTPS; an empty setting means none.
    const cert = spec.tls && setting(container, line, spec.tls);
    const tls = cert !== undefined && ("problem" in cert || cert.value.text !== "");
    return { value: { scheme: tls ? "https" : "http", host: host.value, port: port.value } };
  };
}

/**
 * A bearer token from a flag: `--api-key $(NAME)` becomes `$NAME`, read when sent, so no key is
 * copied into the pod spec; a key written out on the command line is left where it is. Without
 * the flag, the server's env variable for it.
 */
function bearer(flags: readonly string[], env?: string): NonNullable<ServerWarmup["token"]> {
  return (container, line) => {
    const word = line.value(flags);
    if (word === undefined) {
      if (env === undefined) return { auth: "" };
      return envSetting(container, env) === undefined
        ? { auth: `$${env}` }
        : { auth: `$${env}`, from: env };
    }
    const name = envReference(word);
    if (name !== undefined) return { auth: `$${name}`, from: `${flags[0]} $(${name})` };
    return {
      auth: "",
      note: `its ${flags[0]} is written out on the command line, and meshtune copies no key into the pod spec: the warmup waits for health only (give the key as ${flags[0]} $(NAME) from a Secret env)`,
    };
  };
}

/** KServe's model name on its endpoints (kserve model_server.py:145-149; default "model"). */
function kserveModel(container: V1Container, line: CommandLine): Resolved<string> {
  // huggingfaceserver with vLLM names the model after --served-model-name (__main__.py:235-236).
  const found =
    setting(container, line, { flags: ["--served-model-name"] }) ??
    setting(container, line, { flags: ["--model_name"] });
  if (found && "problem" in found) return found;
  return { value: encodeURIComponent(found?.value.text ?? "model") };
}

const kserveReadiness = (container: V1Container, line: CommandLine): Resolved<Health> => {
  const model = kserveModel(container, line);
  return "problem" in model ? model : { value: { path: `/v1/models/${model.value}` } };
};

/** vLLM and SGLang serve with uvicorn, under the same flags (and each can read --config FILE). */
const uvicorn = (port: number) =>
  listen({
    port: { flags: ["--port"], fallback: port },
    host: { flags: ["--host"] },
    tls: { flags: ["--ssl-certfile"] },
    config: "--config",
  });

/**
 * TGI's launcher: -p/--port or PORT, --hostname (launcher/src/main.rs:768-774), --api-key or
 * API_KEY (:848-849). The official images set PORT=80 (Dockerfile:149), Google's DLC 8080, and a
 * router built with the google feature listens on AIP_HTTP_PORT when that is a port
 * (router/src/server.rs:1897-1903).
 */
function tgi(imagePort: number, portEnv?: string): ServerWarmup {
  const launcher = listen({
    port: { flags: ["--port", "-p"], env: ["PORT"], fallback: imagePort },
    host: { flags: ["--hostname"], env: ["HOSTNAME"], ipOnly: true },
  });
  return {
    endpoint: (container, line) => {
      const found = launcher(container, line);
      const env = portEnv === undefined ? undefined : envSetting(container, portEnv);
      if (env === undefined || !("value" in found)) return found;
      if (!("value" in env)) {
        return {
          problem: `its ${portEnv} env comes from a Secret, ConfigMap or field`,
          unknown: true,
        };
      }
      const port = portNumber(env.value);
      return port === undefined ? found : { value: { ...found.value, port } };
    },
    health: path("/health"),
    request: request(
      jsonRequest("/generate", { inputs: "warmup", parameters: { max_new_tokens: 1 } }),
    ),
    token: bearer(["--api-key"], "API_KEY"),
  };
}

// kserve 0.21 kserve/model_server.py:55-60, and HTTPS with --ssl_certfile or KSERVE_TLS_CERT_FILE
// (:212-224).
const KSERVE_PORT: Listen = {
  port: { flags: ["--http_port"], fallback: 8080 },
  tls: { flags: ["--ssl_certfile"], env: ["KSERVE_TLS_CERT_FILE"] },
};

// The cheapest request that goes through each server's real HTTP, tokenizer and model path; the
// sources each row follows are cited in README's "Per server" and in the stand-ins of
// test/policy/warmup/servers-run.test.ts.
export const SERVER_WARMUPS: Record<ServerKind, ServerWarmup> = {
  vllm: {
    silent: (line) =>
      line.has(["--headless"])
        ? "it runs with --headless, so no API server listens"
        : line.value(["--api-server-count", "-asc"])?.trim() === "0"
          ? "its --api-server-count is 0, so no API server listens"
          : line.has(["--uds"])
            ? "it serves on the Unix socket --uds, not on a TCP port"
            : line.has(["--grpc"])
              ? "it serves gRPC (--grpc), not HTTP"
              : undefined,
    endpoint: uvicorn(8000),
    health: path("/health"),
    request: completion("/v1/completions"),
    token: bearer(["--api-key"], "VLLM_API_KEY"),
  },
  tgi: tgi(80),
  tgiGoogle: tgi(8080, "AIP_HTTP_PORT"),
  sglang: {
    silent: (line) =>
      line.has(["--grpc-mode"]) ? "it serves gRPC (--grpc-mode), not HTTP" : undefined,
    endpoint: uvicorn(30000),
    // SGLang's /health runs a one-token generation itself once its own warmup is done, and says
    // 503 until then: waiting for it is the warmup.
    health: path("/health"),
    request: HEALTH_ONLY,
    token: bearer(["--api-key"]),
  },
  // Triton, TorchServe and KServe's predictive runtimes take model-specific tensors: no generic
  // body exists, and each says healthy only once its models are loaded.
  triton: {
    silent: (line) => {
      if (/^(false|0|no)$/i.test(line.value(["--allow-http"]) ?? ""))
        return "it runs with --allow-http=false";
      const restricted = line.values(["--http-restricted-api"]);
      return restricted.some((value) => /^([^:]*,)?health[,:]/.test(value))
        ? "its --http-restricted-api restricts health, which answers 403 without the header"
        : undefined;
    },
    endpoint: listen({
      port: { flags: ["--http-port"], fallback: 8000 },
      host: { flags: ["--http-address"] },
    }),
    health: path("/v2/health/ready"),
    request: HEALTH_ONLY,
  },
  // KServe's Python server wraps TorchServe in pytorch/torchserve-kfs: it listens on 8080
  // (kubernetes/kserve/kserve_wrapper/__main__.py:125-129) once its models are ready (:117).
  kserveTorchserve: {
    endpoint: () => ({ value: { scheme: "http", host: LOOPBACK, port: 8080 } }),
    health: path("/v2/health/ready"),
    request: HEALTH_ONLY,
  },
  torchserve: {
    endpoint: (container, line) => unknownWhere(torchserveEndpoint(container, line)),
    health: path("/ping"),
    request: HEALTH_ONLY,
    token: (container, line) => {
      const auth = torchserveToken(container, line);
      const off = literalEnv(container, "TS_DISABLE_TOKEN_AUTHORIZATION") === "true";
      return auth && !off ? { auth, from: "key_file.json" } : { auth: off ? auth : "" };
    },
  },
  ollama: {
    endpoint: (container) => unknownWhere(ollamaEndpoint(container)),
    health: path("/api/version"),
    request: (draft) => ({ value: ollamaRequest(draft) }),
  },
  nim: {
    silent: (_, container) =>
      /^mtls$/i.test(literalEnv(container, "NIM_SSL_MODE") ?? "")
        ? "its NIM_SSL_MODE is MTLS, and the warmup has no client certificate"
        : undefined,
    endpoint: (container, line) => {
      const mode = envSetting(container, "NIM_SSL_MODE");
      if (mode && !("value" in mode)) {
        return { problem: "its NIM_SSL_MODE env comes from a Secret, ConfigMap or field" };
      }
      const nim = listen({
        port: { flags: [], env: ["NIM_SERVER_PORT", "NIM_HTTP_API_PORT"], fallback: 8000 },
      });
      const found = nim(container, line);
      return "value" in found && /^tls$/i.test(mode?.value ?? "")
        ? { value: { ...found.value, scheme: "https" } }
        : found;
    },
    // The proxy answers at once; /v1/health/ready is model-aware, and moves with NIM_HEALTH_PORT.
    health: (container, line) => {
      const port = settingPort(container, line, { flags: [], env: ["NIM_HEALTH_PORT"] }, 0);
      if ("problem" in port) return port;
      return { value: { path: "/v1/health/ready", ...(port.value !== 0 && { port: port.value }) } };
    },
    request: completion("/v1/completions"),
  },
  llamacpp: {
    silent: (line, container) =>
      /\.sock$/.test(line.value(["--host"]) ?? literalEnv(container, "LLAMA_ARG_HOST") ?? "")
        ? "it listens on a Unix socket (--host ….sock), not on a TCP port"
        : undefined,
    endpoint: listen({
      port: { flags: ["--port"], env: ["LLAMA_ARG_PORT"], fallback: 8080 },
      host: { flags: ["--host"], env: ["LLAMA_ARG_HOST"] },
      tls: { flags: ["--ssl-cert-file"], env: ["LLAMA_ARG_SSL_CERT_FILE"] },
    }),
    health: (container, line) => llamaPath(container, line, "/health"),
    request: (_, container, line) => {
      const at = llamaPath(container, line, "/completion");
      return "problem" in at
        ? at
        : { value: jsonRequest(at.value.path, { prompt: "warmup", n_predict: 1 }) };
    },
    token: bearer(["--api-key"], "LLAMA_API_KEY"),
  },
  kserveHuggingface: {
    endpoint: listen(KSERVE_PORT),
    // Its model turns ready once the engine has loaded; /v2/health/ready says so before.
    health: kserveReadiness,
    request: (_, container) => {
      // kserve/protocol/rest/openai/endpoints.py:40-43: "/openai", or what the env says.
      const prefix = envSetting(container, "KSERVE_OPENAI_ROUTE_PREFIX");
      if (prefix && !("value" in prefix))
        return {
          problem: "its KSERVE_OPENAI_ROUTE_PREFIX env comes from a Secret, ConfigMap or field",
        };
      const text = prefix?.value ?? "/openai";
      const at = `${text && !text.startsWith("/") ? "/" : ""}${text}/v1/completions`;
      return isUrlPath(at)
        ? completion(at)()
        : { problem: "its KSERVE_OPENAI_ROUTE_PREFIX is no URL path" };
    },
  },
  kserve: {
    endpoint: listen(KSERVE_PORT),
    health: kserveReadiness,
    request: HEALTH_ONLY,
  },
};

/** Where a setting meshtune cannot read at admission would have put the server. */
function unknownWhere(found: Resolved<Endpoint>): Located {
  return "problem" in found ? { ...found, unknown: true } : found;
}

/** llama.cpp serves every path under --api-prefix. */
function llamaPath(container: V1Container, line: CommandLine, at: string): Resolved<Health> {
  const prefix = setting(container, line, {
    flags: ["--api-prefix"],
    env: ["LLAMA_ARG_API_PREFIX"],
  });
  if (prefix && "problem" in prefix) return prefix;
  const full = `${prefix?.value.text ?? ""}${at}`;
  return isUrlPath(full)
    ? { value: { path: full } }
    : { problem: "its --api-prefix is no URL path" };
}
