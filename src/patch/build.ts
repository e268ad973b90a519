import type { Operation } from "fast-json-patch";
import type { Change } from "../policy/change.js";
import type { PodShape } from "../policy/pod.js";
import { escapeToken, pointer } from "./pointer.js";

type Tokens = (string | number)[];

/** The value at `tokens` in `object`; undefined where any step is missing. */
function valueAt(object: unknown, tokens: Tokens): unknown {
  let node = object;
  for (const token of tokens) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

/**
 * Turns planned changes into RFC 6902 operations at exact paths under `base` ("" for a Pod,
 * "/spec/template" for a Deployment). A map or list the pod has is only added to, so nothing the
 * user owns is replaced. One the pod lacks is created by a single operation that holds everything
 * meshtune puts in it: no operation is spent on an empty map, or on a key of a map just made.
 */
export function buildPatch(pod: PodShape, changes: Change[], base = ""): Operation[] {
  const operations: Operation[] = [];
  // What meshtune creates, by pointer: later additions go inside them.
  const madeMaps = new Map<string, Record<string, unknown>>();
  const madeLists = new Map<string, unknown[]>();

  // A null map or list (as Helm renders `annotations:` with nothing under it) counts as absent:
  // adding at its path replaces the null.
  const has = (tokens: Tokens) => tokens.length === 0 || valueAt(pod, tokens) != null;

  /** Sets `key` of the map at `tokens`, creating the map (and its parents) when absent. */
  function put(tokens: Tokens, key: string, value: unknown, replace = false): void {
    const path = pointer(...tokens);
    const made = madeMaps.get(path);
    if (made !== undefined) {
      made[key] = value;
    } else if (has(tokens)) {
      const op = replace ? "replace" : "add";
      operations.push({ op, path: `${base}${path}/${escapeToken(key)}`, value });
    } else {
      const map = { [key]: value };
      madeMaps.set(path, map);
      put(tokens.slice(0, -1), String(tokens.at(-1)), map);
    }
  }

  /** Appends `value` to the list at `tokens`, creating the list when absent. */
  function append(tokens: Tokens, value: unknown): void {
    const path = pointer(...tokens);
    const made = madeLists.get(path);
    if (made !== undefined) {
      made.push(value);
    } else if (has(tokens)) {
      operations.push({ op: "add", path: `${base}${path}/-`, value });
    } else {
      const list = [value];
      madeLists.set(path, list);
      put(tokens.slice(0, -1), String(tokens.at(-1)), list);
    }
  }

  // The apiserver always fills it in: a replace says the patch changes a value.
  function setGracePeriod(seconds: number): void {
    const op = pod.spec?.terminationGracePeriodSeconds != null ? "replace" : "add";
    operations.push({ op, path: `${base}/spec/terminationGracePeriodSeconds`, value: seconds });
  }

  for (const change of changes) {
    const container = (index: number) => ["spec", "containers", index];
    switch (change.kind) {
      case "annotation":
        put(["metadata", "annotations"], change.key, change.value, change.replace);
        break;
      case "label":
        put(["metadata", "labels"], change.key, change.value);
        break;
      case "volume":
        append(["spec", "volumes"], change.volume);
        break;
      case "volumeMount":
        append([...container(change.container), "volumeMounts"], change.mount);
        break;
      case "postStart":
      case "preStop":
        put([...container(change.container), "lifecycle"], change.kind, change.handler);
        break;
      case "terminationGracePeriodSeconds":
        setGracePeriod(change.value);
        break;
      case "startupProbe":
        put(container(change.container), "startupProbe", change.probe);
        break;
    }
  }
  return operations;
}
