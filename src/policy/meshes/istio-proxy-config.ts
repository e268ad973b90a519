import { parse } from "yaml";
import { isPlainObject } from "../../plain-object.js";
import { annotation, decide, type Draft } from "../draft.js";

/** Istio's per-pod ProxyConfig annotation. */
export const PROXY_CONFIG = "proxy.istio.io/config";

type ProxyConfig = Record<string, unknown>;

/** The pod's proxy.istio.io/config as an object, or undefined when it is not JSON/YAML of one. */
function parseProxyConfig(text: string): ProxyConfig | undefined {
  try {
    // Istio reads it with sigs.k8s.io/yaml, which is YAML 1.1: "yes" is a bool and 010 is octal.
    const value: unknown = parse(text, { version: "1.1" });
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
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
 * parse is left exactly as it is. Returns the config Istio will read (undefined when unparsable).
 */
export function planProxyConfig(draft: Draft, wanted: ProxyConfig): ProxyConfig | undefined {
  const text = annotation(draft, PROXY_CONFIG);
  if (text === undefined) {
    const value = JSON.stringify(wanted);
    draft.changes.push({ kind: "annotation", key: PROXY_CONFIG, value });
    decide(draft, { kind: "set", code: "set-annotation", key: PROXY_CONFIG, ours: value });
    return wanted;
  }
  const theirs = parseProxyConfig(text);
  if (theirs === undefined) {
    decide(draft, { kind: "kept", code: "kept-unparsable-proxy-config", key: PROXY_CONFIG });
    return undefined;
  }
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
