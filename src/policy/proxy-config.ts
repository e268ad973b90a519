import { isPlainObject } from "../plain-object.js";
import { parse } from "yaml";
import { annotation, decide, short, type Draft } from "./draft.js";
import { ISTIO } from "./keys.js";

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
  const text = annotation(draft, ISTIO.proxyConfig);
  if (text === undefined) {
    const value = JSON.stringify(wanted);
    draft.changes.push({ kind: "annotation", key: ISTIO.proxyConfig, value });
    decide(draft, "set", `set annotation ${ISTIO.proxyConfig}=${short(value, 70)}`);
    return;
  }
  const theirs = parseProxyConfig(text);
  if (theirs === undefined) {
    decide(
      draft,
      "kept",
      `kept ${ISTIO.proxyConfig}: it does not parse as JSON or YAML (Istio will reject the pod)`,
    );
    return;
  }
  const missing: ProxyConfig = {};
  for (const [key, value] of Object.entries(wanted)) {
    if (!(key in theirs)) missing[key] = value;
    else if (JSON.stringify(theirs[key]) !== JSON.stringify(value)) {
      decide(
        draft,
        "kept",
        `kept ${key}=${JSON.stringify(theirs[key])} in the pod's ${ISTIO.proxyConfig}`,
      );
    }
  }
  if (Object.keys(missing).length === 0) return;
  draft.changes.push({
    kind: "annotation",
    key: ISTIO.proxyConfig,
    value: JSON.stringify({ ...theirs, ...missing }),
    replace: true,
  });
  decide(draft, "set", `merged ${JSON.stringify(missing)} into the pod's ${ISTIO.proxyConfig}`);
}
