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

/**
 * Proposes ProxyConfig fields. A config the pod already carries is merged into, never
 * overwritten: its keys win, and one that does not parse is left exactly as it is.
 */
export function planProxyConfig(draft: Draft, wanted: ProxyConfig): void {
  const text = annotation(draft, PROXY_CONFIG);
  if (text === undefined) {
    const value = JSON.stringify(wanted);
    draft.changes.push({ kind: "annotation", key: PROXY_CONFIG, value });
    decide(draft, { kind: "set", code: "set-annotation", key: PROXY_CONFIG, ours: value });
    return;
  }
  const theirs = parseProxyConfig(text);
  if (theirs === undefined) {
    decide(draft, { kind: "kept", code: "kept-unparsable-proxy-config", key: PROXY_CONFIG });
    return;
  }
  const missing: ProxyConfig = {};
  for (const [key, value] of Object.entries(wanted)) {
    if (!(key in theirs)) missing[key] = value;
    else if (JSON.stringify(theirs[key]) !== JSON.stringify(value)) {
      decide(draft, {
        kind: "kept",
        code: "kept-proxy-config-field",
        key,
        theirs: JSON.stringify(theirs[key]),
        ours: JSON.stringify(value),
        detail: PROXY_CONFIG,
      });
    }
  }
  if (Object.keys(missing).length === 0) return;
  draft.changes.push({
    kind: "annotation",
    key: PROXY_CONFIG,
    value: JSON.stringify({ ...theirs, ...missing }),
    replace: true,
  });
  decide(draft, {
    kind: "set",
    code: "merged-proxy-config",
    key: PROXY_CONFIG,
    ours: JSON.stringify(missing),
  });
}
