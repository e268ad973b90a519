import type { KubernetesObject } from "@kubernetes/client-node";
import { durationValue } from "./duration.js";
import { formatField } from "./field-path.js";
import { labels } from "./fields.js";
import type { Finding } from "./finding.js";
import { timeoutFinding, type Cut, type Floors } from "./floors.js";
import { refOf } from "./refs.js";

// Linkerd reads these from a Service, or from an HTTPRoute or GRPCRoute whose parent is a Service
// (policy-controller/k8s/index/src/outbound/index.rs, parse_timeouts): 2.16 and later.
const TIMEOUTS: { key: string; cut: Cut }[] = [
  { key: "timeout.linkerd.io/request", cut: "total" },
  { key: "timeout.linkerd.io/response", cut: "total" },
  { key: "timeout.linkerd.io/idle", cut: "idle" },
];

// Linkerd's parse_duration: a whole number and ms, s, m, h or d; a bare number only for 0.
const LINKERD_DURATION = /^(?:0|\d+(?:ms|s|m|h|d))$/;

const BY_LINKERD = "Linkerd answers 504";

/** timeout.linkerd.io annotations below the longest stream, or ones Linkerd cannot read. */
export function linkerdTimeoutFindings(object: KubernetesObject, floors: Floors): Finding[] {
  const annotations = labels(object.metadata?.annotations);
  return TIMEOUTS.flatMap(({ key, cut }): Finding[] => {
    const value = annotations[key];
    if (value === undefined) return [];
    const path = ["metadata", "annotations", key];
    if (!LINKERD_DURATION.test(value.trim())) {
      return [
        {
          severity: "warning",
          code: "linkerd-unreadable-timeout",
          object: refOf(object),
          field: formatField(path),
          found: value,
          expected: "a whole number and ms, s, m, h or d, e.g. 300s",
          why: "Linkerd cannot parse it, so it drops every timeout annotation on the object",
          edit: { path, value: durationValue(floors.longestSeconds) },
        },
      ];
    }
    const finding = timeoutFinding(
      {
        object: refOf(object),
        path,
        value: value.trim(),
        code: "linkerd-timeout",
        cut,
        by: BY_LINKERD,
      },
      floors,
    );
    return finding === undefined ? [] : [finding];
  });
}
