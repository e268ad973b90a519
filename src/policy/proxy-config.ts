import { isPlainObject } from "../plain-object.js";
import { parseJsonWithin } from "../parse/json.js";
import type { Parsed, Refused } from "../parse/limits.js";
import { parseYamlWithin, type YamlLimits } from "../parse/yaml.js";
import { annotation, decide, short, type Draft } from "./draft.js";
import { ISTIO } from "./keys.js";

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

function keepUnread(draft: Draft, problem: Refused): void {
  const why = problem.overLimit
    ? `it ${problem.problem} (Istio refuses the pod if it is invalid)`
    : "it does not parse as JSON or YAML (Istio will reject the pod)";
  decide(draft, "kept", `kept ${ISTIO.proxyConfig}: ${why}`);
}

/**
 * Proposes ProxyConfig fields. A config the pod already carries is merged into, never
 * overwritten: its keys win, and one that does not parse, or is over the limits, is left
 * exactly as it is.
 */
export function planProxyConfig(draft: Draft, wanted: ProxyConfig): void {
  const text = annotation(draft, ISTIO.proxyConfig);
  if (text === undefined) {
    const value = JSON.stringify(wanted);
    draft.changes.push({ kind: "annotation", key: ISTIO.proxyConfig, value });
    decide(draft, "set", `set annotation ${ISTIO.proxyConfig}=${short(value, 70)}`);
    return;
  }
  const parsed = readProxyConfig(text);
  if ("problem" in parsed) {
    keepUnread(draft, parsed);
    return;
  }
  const theirs = parsed.value;
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
