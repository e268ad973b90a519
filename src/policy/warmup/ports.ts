import type { V1Container } from "@kubernetes/client-node";
import type { CommandLine } from "./command-line.js";
import type { Resolved } from "./spec.js";

/** A TCP port number, or undefined when the text is not one. */
export function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * A container env variable as admission sees it: its literal value, `{ unknown }` when it comes
 * from a Secret, ConfigMap or field, or undefined when the container does not set it. (Variables
 * from envFrom are not seen: meshtune reads no ConfigMap.)
 */
export function envSetting(
  container: V1Container,
  name: string,
): { value: string } | { unknown: true } | undefined {
  const variable = container.env?.findLast((each) => each.name === name);
  if (variable === undefined) return undefined;
  return variable.value === undefined && variable.valueFrom !== undefined
    ? { unknown: true }
    : { value: variable.value ?? "" };
}

/** A literal env value of the container; values from secrets or fields are not known at admission. */
export function literalEnv(container: V1Container, name: string): string | undefined {
  const setting = envSetting(container, name);
  return setting && "value" in setting ? setting.value : undefined;
}

/** `$(NAME)` (Kubernetes expands it) or, inside a `sh -c` script, `$NAME` and `${NAME}`. */
export function envReference(word: string): string | undefined {
  return /^\$(?:\(([A-Za-z_][A-Za-z0-9_]*)\)|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/
    .exec(word)
    ?.slice(1)
    .find((name) => name !== undefined);
}

/** Where a server reads a setting: command-line flags first, then env variables. */
export interface SettingSource {
  flags: readonly string[];
  env?: readonly string[];
}

/** A setting's text and where it was read, for a warning that never repeats an env value. */
interface Setting {
  text: string;
  /** "--port", "--port $(VLLM_PORT): its VLLM_PORT env" or "its PORT env". */
  where: string;
  /** The literal word, when it may be shown. */
  shown?: string;
}

/**
 * A setting as the server reads it, with `$(NAME)` resolved from the container's literal env;
 * undefined when nothing sets it, a problem when admission cannot know it.
 */
export function setting(
  container: V1Container,
  line: CommandLine,
  source: SettingSource,
): Resolved<Setting> | undefined {
  const [flag = ""] = source.flags;
  const word = line.value(source.flags);
  if (word !== undefined) {
    const name = envReference(word);
    if (name === undefined) return { value: { text: word, where: flag, shown: word } };
    const text = literalEnv(container, name);
    return text === undefined
      ? { problem: `${flag} is ${JSON.stringify(word)}, which meshtune cannot read at admission` }
      : { value: { text, where: `${flag} ${word}: its ${name} env` } };
  }
  for (const name of source.env ?? []) {
    const found = envSetting(container, name);
    if (found === undefined) continue;
    return "value" in found
      ? { value: { text: found.value, where: `its ${name} env` } }
      : { problem: `its ${name} env comes from a Secret, ConfigMap or field meshtune cannot read` };
  }
  return undefined;
}

/** A port setting, or the fallback when nothing sets it. */
export function settingPort(
  container: V1Container,
  line: CommandLine,
  source: SettingSource,
  fallback: number,
): Resolved<number> {
  const found = setting(container, line, source);
  if (found === undefined) return { value: fallback };
  if ("problem" in found) return found;
  const { text, where, shown } = found.value;
  const port = portNumber(text.trim());
  if (port !== undefined) return { value: port };
  return {
    problem:
      shown === undefined
        ? `${where} is not a port number`
        : `${where} is ${JSON.stringify(shown)}, not a port number`,
  };
}

const ANY_ADDRESS = new Set(["", "0.0.0.0", "::", "[::]", "localhost", "127.0.0.1"]);
// A host name or an IPv4 address, or an IPv6 one without a zone: what goes into the hook's URL.
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * Where to connect to a server that binds `address`: loopback when it binds all addresses (or
 * loopback itself), else that address, since a server bound to one address does not answer on
 * 127.0.0.1. IPv6 addresses come bracketed, ready for a URL; undefined for anything else.
 */
export function connectHost(address: string): Resolved<string> {
  const bare = address.replace(/^\[(.*)\]$/, "$1");
  if (ANY_ADDRESS.has(bare)) return { value: "127.0.0.1" };
  if (bare.includes(":")) {
    return IPV6.test(bare)
      ? { value: `[${bare}]` }
      : { problem: "it binds an address meshtune cannot connect to" };
  }
  return HOST_NAME.test(bare)
    ? { value: bare }
    : { problem: "it binds an address meshtune cannot connect to" };
}
