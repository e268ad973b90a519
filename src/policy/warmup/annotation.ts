import { parseJsonWithin } from "../../parse/json.js";
import type { ParseLimits } from "../../parse/limits.js";
import { isPlainObject } from "../../plain-object.js";
import type { Resolved, WarmRequest } from "./spec.js";
import { isUrlPath } from "./url-path.js";

/** What a meshtune.dev/warmup annotation says; anything it leaves out comes from the server table. */
export interface WarmupOverride {
  port?: number;
  health?: string;
  request?: WarmRequest;
}

/**
 * What meshtune reads of meshtune.dev/warmup. The warm request's body travels in the pod (as an
 * argument of its postStart hook): 8 KiB holds a prompt of a thousand words; 32 levels is far
 * deeper than any request body a model server takes.
 */
export const WARMUP_ANNOTATION_LIMITS: ParseLimits = { maxBytes: 8 * 1024, maxDepth: 32 };

const KEYS = ["port", "health", "path", "body", "headers"];
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what it rejects
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

type Json = Record<string, unknown>;

function pathProblem(key: string, value: unknown): string | undefined {
  if (isUrlPath(value)) return undefined;
  const shown =
    typeof value === "string" && value.length > 60 ? "a long string" : JSON.stringify(value);
  return `"${key}" must be an absolute URL path such as "/healthz", got ${shown}`;
}

function jsonPort(value: unknown): Resolved<number> {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) {
    return { value };
  }
  return { problem: `"port" must be a whole number from 1 to 65535, got ${JSON.stringify(value)}` };
}

/** Header lines, without ever quoting a value (it may be a token). */
function parseHeaders(value: unknown): Resolved<string[]> {
  if (!isPlainObject(value))
    return { problem: '"headers" must be an object of names to string values' };
  const lines: string[] = [];
  for (const [name, text] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) {
      return { problem: `"headers" has ${JSON.stringify(name)}, which is not an HTTP header name` };
    }
    if (typeof text !== "string" || CONTROL.test(text)) {
      return { problem: `"headers" value of ${name} must be a string on one line` };
    }
    lines.push(`${name}: ${text}`);
  }
  return { value: lines };
}

/** A string body is sent as it is; any other JSON value is sent as JSON. */
function parseRequest(json: Json): Resolved<WarmRequest | undefined> {
  if (json.path === undefined) {
    return json.body === undefined && json.headers === undefined
      ? { value: undefined }
      : { problem: '"body" and "headers" describe the warm request; give its "path" too' };
  }
  const problem = pathProblem("path", json.path);
  if (problem) return { problem };
  const headers = parseHeaders(json.headers ?? {});
  if ("problem" in headers) return headers;
  const lines = headers.value;
  const { body } = json;
  // An empty body is a GET too: the hook sends a POST only with something to send.
  if (body === undefined || body === "") {
    return {
      value: {
        mode: "request",
        method: "GET",
        path: json.path as string,
        body: "",
        headers: lines,
      },
    };
  }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  if (text.includes("\u0000")) return { problem: '"body" must not contain NUL characters' };
  if (!lines.some((line) => /^content-type:/i.test(line))) {
    lines.unshift(
      `Content-Type: ${typeof body === "string" ? "text/plain; charset=utf-8" : "application/json"}`,
    );
  }
  return {
    value: {
      mode: "request",
      method: "POST",
      path: json.path as string,
      body: text,
      headers: lines,
    },
  };
}

/** Parses meshtune.dev/warmup; a problem is the rest of a sentence that starts with the key. */
export function parseWarmupAnnotation(text: string): Resolved<WarmupOverride> {
  const parsed = parseJsonWithin(text, WARMUP_ANNOTATION_LIMITS);
  if ("problem" in parsed) return { problem: parsed.problem };
  const json = parsed.value;
  if (!isPlainObject(json)) {
    return { problem: 'must be a JSON object such as {"port":8080,"health":"/healthz"}' };
  }
  const unknown = Object.keys(json).find((key) => !KEYS.includes(key));
  if (unknown !== undefined) {
    return { problem: `has unknown key ${JSON.stringify(unknown)} (known: ${KEYS.join(", ")})` };
  }
  const override: WarmupOverride = {};
  if (json.port !== undefined) {
    const port = jsonPort(json.port);
    if ("problem" in port) return port;
    override.port = port.value;
  }
  if (json.health !== undefined) {
    const problem = pathProblem("health", json.health);
    if (problem) return { problem };
    override.health = json.health as string;
  }
  const request = parseRequest(json);
  if ("problem" in request) return request;
  if (request.value) override.request = request.value;
  return { value: override };
}
