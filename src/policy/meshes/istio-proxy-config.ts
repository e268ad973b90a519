import { parseJsonWithin } from "../../parse/json.js";
import type { Parsed, Refused } from "../../parse/limits.js";
import { parseYamlWithin, type YamlLimits } from "../../parse/yaml.js";
import { isPlainObject } from "../../plain-object.js";
import { annotation, decide, type Draft } from "../draft.js";

/** Istio's per-pod ProxyConfig annotation. */
export const PROXY_CONFIG = "proxy.istio.io/config";

type ProxyConfig = Record<string, unknown>;

/**
 * What meshtune reads of a pod's proxy.istio.io/config. A ProxyConfig override is a handful of
 * fields (Istio's documented examples are a few lines): 2 KiB holds dozens of them and keeps the
 * yaml library, which takes up to 2.5 µs a byte, within a few milliseconds on the event loop;
 * 32 levels is far deeper than any ProxyConfig field nests.
 */
export const PROXY_CONFIG_LIMITS: YamlLimits = {
  maxBytes: 2 * 1024,
  maxDepth: 32,
  maxAliases: 100,
};

const JSON_OBJECT = /^\s*\{/;

/**
 * The pod's proxy config as an object. Istio reads it with sigs.k8s.io/yaml (go-yaml, YAML 1.1:
 * "yes" is a bool and 010 is octal); JSON, which most tools write, is tried first because
 * JSON.parse is far cheaper and reads JSON the same.
 */
function readProxyConfig(text: string): Parsed<ProxyConfig> {
  let parsed = JSON_OBJECT.test(text) ? parseJsonWithin(text, PROXY_CONFIG_LIMITS) : undefined;
  if (parsed === undefined || ("problem" in parsed && !parsed.overLimit)) {
    parsed = parseYamlWithin(text, PROXY_CONFIG_LIMITS);
  }
  if ("problem" in parsed) return parsed;
  return isPlainObject(parsed.value) ? { value: parsed.value } : { problem: "is not a mapping" };
}

function keepUnread(draft: Draft, refused: Refused): void {
  decide(
    draft,
    refused.overLimit
      ? {
          kind: "kept",
          code: "kept-proxy-config-over-limit",
          key: PROXY_CONFIG,
          detail: refused.problem,
        }
      : { kind: "kept", code: "kept-unparsable-proxy-config", key: PROXY_CONFIG },
  );
}

/** What the pod's config lacks of ours, telling each of its own values that differs from ours. */
function missingFields(
  draft: Draft,
  theirs: ProxyConfig,
  wanted: ProxyConfig,
  prefix = "",
): ProxyConfig {
  const missing: ProxyConfig = {};
  for (const [key, value] of Object.entries(wanted)) {
    const their = theirs[key];
    if (!(key in theirs)) {
      missing[key] = value;
    } else if (isPlainObject(value) && isPlainObject(their)) {
      // A map such as proxyMetadata is merged key by key: the pod's keys stay as they are.
      const inner = missingFields(draft, their, value, `${prefix}${key}.`);
      if (Object.keys(inner).length > 0) missing[key] = inner;
    } else if (JSON.stringify(their) !== JSON.stringify(value)) {
      decide(draft, {
        kind: "kept",
        code: "kept-proxy-config-field",
        key: prefix + key,
        theirs: JSON.stringify(their),
        ours: JSON.stringify(value),
        detail: PROXY_CONFIG,
      });
    }
  }
  return missing;
}

/** The pod's config with the missing fields added, maps merged into; its own order first. */
function merge(theirs: ProxyConfig, missing: ProxyConfig): ProxyConfig {
  const merged = { ...theirs };
  for (const [key, value] of Object.entries(missing)) {
    const their = theirs[key];
    merged[key] = isPlainObject(value) && isPlainObject(their) ? merge(their, value) : value;
  }
  return merged;
}

/**
 * Proposes ProxyConfig fields. A config the pod already carries is merged into, never
 * overwritten: its keys win, also inside a map such as proxyMetadata, and one that does not
 * parse, or is over the limits, is left exactly as it is. Returns the config Istio will read
 * (undefined when meshtune could not read it).
 */
export function planProxyConfig(draft: Draft, wanted: ProxyConfig): ProxyConfig | undefined {
  const text = annotation(draft, PROXY_CONFIG);
  if (text === undefined) {
    const value = JSON.stringify(wanted);
    draft.changes.push({ kind: "annotation", key: PROXY_CONFIG, value });
    decide(draft, { kind: "set", code: "set-annotation", key: PROXY_CONFIG, ours: value });
    return wanted;
  }
  const parsed = readProxyConfig(text);
  if ("problem" in parsed) {
    keepUnread(draft, parsed);
    return undefined;
  }
  const theirs = parsed.value;
  const missing = missingFields(draft, theirs, wanted);
  if (Object.keys(missing).length === 0) return theirs;
  const merged = merge(theirs, missing);
  draft.changes.push({
    kind: "annotation",
    key: PROXY_CONFIG,
    value: JSON.stringify(merged),
    replace: true,
  });
  decide(draft, {
    kind: "set",
    code: "merged-proxy-config",
    key: PROXY_CONFIG,
    ours: JSON.stringify(missing),
  });
  return merged;
}
