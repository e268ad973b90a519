import type { V1Container } from "@kubernetes/client-node";
import { commandWords } from "../model-servers.js";
import type { Resolved } from "./spec.js";

/** A TCP port number, or undefined when the text is not one. */
export function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** A literal env value of the container; values from secrets or fields are not known at admission. */
export function literalEnv(container: V1Container, name: string): string | undefined {
  return container.env?.findLast((variable) => variable.name === name)?.value;
}

/** The word after `--flag`, or after `--flag=`, on the command line; the last one wins. */
function flagWord(container: V1Container, flag: string): string | undefined {
  const words = commandWords(container);
  let value: string | undefined;
  words.forEach((word, index) => {
    if (word === flag) value = words[index + 1] ?? "";
    else if (word.startsWith(`${flag}=`)) value = word.slice(flag.length + 1);
  });
  return value;
}

/** Kubernetes expands $(NAME) in command and args from the container's env; so does meshtune. */
function expandedPort(container: V1Container, flag: string, word: string): Resolved<number> {
  const reference = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(word)?.[1];
  const text = (reference && literalEnv(container, reference)) ?? word;
  const port = portNumber(text);
  if (port !== undefined) return { value: port };
  // An expanded value stays out of the warning: env values are the pod's business.
  return text === word
    ? { problem: `${flag} is ${JSON.stringify(word)}, not a port number` }
    : { problem: `${flag} ${word}: its ${reference} env is not a port number` };
}

/** Where a server's port is read from: a command-line flag, then an env variable, then a default. */
export interface PortSource {
  flag: string;
  env?: string;
  fallback: number;
}

export function serverPort(container: V1Container, source: PortSource): Resolved<number> {
  const word = flagWord(container, source.flag);
  if (word !== undefined) return expandedPort(container, source.flag, word);
  const env = source.env === undefined ? undefined : literalEnv(container, source.env);
  if (env !== undefined) {
    const port = portNumber(env);
    // The value itself stays out of the warning: env values are the pod's business.
    return port === undefined
      ? { problem: `its ${source.env} env is not a port number` }
      : { value: port };
  }
  return { value: source.fallback };
}
