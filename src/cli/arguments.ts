import { InvalidArgumentError } from "commander";

// Parsers for command-line values; each error says what was given and what is expected.

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new InvalidArgumentError(`"${text}" is not a port number (0-65535).`);
  return port;
}

/** Seconds (fractions allowed) as milliseconds. */
export function parseSeconds(text: string): number {
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidArgumentError(`"${text}" is not a number of seconds (e.g. 4 or 0.5).`);
  }
  return Math.round(seconds * 1000);
}

export function parsePositiveSeconds(text: string): number {
  const value = parseSeconds(text);
  if (value === 0) throw new InvalidArgumentError(`must be more than 0 seconds.`);
  return value;
}

export function parseDays(text: string): number {
  if (!/^[1-9]\d*$/.test(text))
    throw new InvalidArgumentError(`"${text}" is not a whole number of days (1 or more).`);
  return Number(text);
}
