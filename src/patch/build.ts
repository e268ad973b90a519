import type { Operation } from "fast-json-patch";
import type { Change } from "../policy/change.js";
import type { PodShape } from "../policy/pod.js";
import { escapeToken, pointer } from "./pointer.js";

/**
 * Turns planned changes into RFC 6902 operations at exact paths under `base` ("" for a Pod,
 * "/spec/template" for a Deployment). A map or list the pod lacks is created first; one it has
 * is only added to, so nothing the user owns is replaced.
 */
export function buildPatch(pod: PodShape, changes: Change[], base = ""): Operation[] {
  const operations: Operation[] = [];
  const created = new Set<string>();

  // A null map or list (as Helm renders `annotations:` with nothing under it) counts as absent:
  // adding at its path replaces the null.

  /** Makes sure the object or array at `path` exists, given whether the pod had it. */
  function ensure(path: string, existed: boolean, empty: object): void {
    if (existed || created.has(path)) return;
    operations.push({ op: "add", path: base + path, value: empty });
    created.add(path);
  }

  function addToList(path: string, existing: unknown[] | undefined, value: unknown): void {
    if (existing == null && !created.has(path)) {
      operations.push({ op: "add", path: base + path, value: [value] });
      created.add(path);
    } else {
      operations.push({ op: "add", path: `${base}${path}/-`, value });
    }
  }

  function addToMap(
    map: "annotations" | "labels",
    key: string,
    value: string,
    replace = false,
  ): void {
    ensure("/metadata", pod.metadata != null, {});
    ensure(`/metadata/${map}`, pod.metadata?.[map] != null, {});
    operations.push({
      op: replace ? "replace" : "add",
      path: `${base}/metadata/${map}/${escapeToken(key)}`,
      value,
    });
  }

  function addHook(container: number, hook: "postStart" | "preStop", handler: unknown): void {
    const lifecycle = pointer("spec", "containers", container, "lifecycle");
    ensure(lifecycle, pod.spec?.containers[container]?.lifecycle != null, {});
    operations.push({ op: "add", path: `${base}${lifecycle}/${hook}`, value: handler });
  }

  // The apiserver always fills it in: a replace says the patch changes a value.
  function setGracePeriod(seconds: number): void {
    const op = pod.spec?.terminationGracePeriodSeconds != null ? "replace" : "add";
    operations.push({ op, path: `${base}/spec/terminationGracePeriodSeconds`, value: seconds });
  }

  for (const change of changes) {
    switch (change.kind) {
      case "annotation":
        addToMap("annotations", change.key, change.value, change.replace);
        break;
      case "label":
        addToMap("labels", change.key, change.value);
        break;
      case "volume":
        addToList("/spec/volumes", pod.spec?.volumes, change.volume);
        break;
      case "volumeMount": {
        const container = pod.spec?.containers[change.container];
        addToList(
          pointer("spec", "containers", change.container, "volumeMounts"),
          container?.volumeMounts,
          change.mount,
        );
        break;
      }
      case "postStart":
      case "preStop":
        addHook(change.container, change.kind, change.handler);
        break;
      case "terminationGracePeriodSeconds":
        setGracePeriod(change.value);
        break;
      case "startupProbe":
        operations.push({
          op: "add",
          path: base + pointer("spec", "containers", change.container, "startupProbe"),
          value: change.probe,
        });
        break;
    }
  }
  return operations;
}
