import type { V1Container } from "@kubernetes/client-node";
import type { CommandLine } from "./command-line.js";
import { connectHost, envSetting, portNumber } from "./ports.js";
import type { Endpoint, Resolved } from "./spec.js";

// The official image's config.properties, which its `serve` starts TorchServe with
// (pytorch/serve docker/dockerd-entrypoint.sh:5-7): inference_address=http://0.0.0.0:8080
// (docker/config.properties:1).
const IMAGE_CONFIG = "/home/model-server/config.properties";
const DEFAULT_ADDRESS = "http://127.0.0.1:8080"; // ConfigManager.java:984

/**
 * TorchServe's inference address: `TS_INFERENCE_ADDRESS`, which ConfigManager reads only when the
 * config file sets enable_envvars_config=true (ConfigManager.java:295-298, 338-361), else the
 * config file's inference_address. A config file other than the image's own is not known at
 * admission, so neither is the address then.
 */
export function torchserveEndpoint(container: V1Container, line: CommandLine): Resolved<Endpoint> {
  const env = envSetting(container, "TS_INFERENCE_ADDRESS");
  if (env && !("value" in env)) {
    return { problem: "its TS_INFERENCE_ADDRESS env comes from a Secret, ConfigMap or field" };
  }
  if (env) return inferenceAddress(env.value);
  // TS_CONFIG_FILE wins over --ts-config (ts/model_server.py:100-102, ConfigManager.java:207-209).
  const config = envSetting(container, "TS_CONFIG_FILE") ?? line.value(["--ts-config"]);
  const file =
    typeof config === "string" ? config : config && "value" in config ? config.value : "";
  if (config !== undefined && file !== IMAGE_CONFIG) {
    return { problem: "it reads its inference address from a config file meshtune cannot read" };
  }
  return inferenceAddress(DEFAULT_ADDRESS);
}

/** An address as Connector.parse reads it (Connector.java:71-105; ConfigManager.java:158-161). */
function inferenceAddress(address: string): Resolved<Endpoint> {
  const match = /^(https?):\/\/([^:/^]+)(?::(\d+))?$/i.exec(address.trim());
  if (match === null) {
    return { problem: "its TS_INFERENCE_ADDRESS is no http(s)://host:port address on TCP" };
  }
  const [, protocol = "", host = "", portText] = match;
  const https = protocol.toLowerCase() === "https";
  const port = portText === undefined ? (https ? 443 : 80) : portNumber(portText);
  if (port === undefined) return { problem: "its TS_INFERENCE_ADDRESS has no valid port" };
  const connect = connectHost(host);
  if ("problem" in connect) return connect;
  return { value: { scheme: https ? "https" : "http", host: connect.value, port } };
}

/**
 * The token file, unless token auth is off: `--disable-token-auth`, or the official image's
 * `serve` (dockerd-entrypoint.sh:7). TorchServe writes key_file.json into its working directory,
 * which the hook shares (TokenAuthorization.java:49), before it listens (ModelServer.java:90).
 * With token auth off it writes none and checks none, so a stale file would do no harm.
 */
export function torchserveToken(container: V1Container, line: CommandLine): string {
  const imageServe =
    container.command === undefined && (line.words.join(" ") || "serve") === "serve";
  return imageServe || line.has(["--disable-token-auth"]) ? "" : "@key_file.json";
}
