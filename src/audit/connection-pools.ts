import type { FieldPath } from "./field-path.js";
import { record, whole } from "./fields.js";
import type { Finding, ObjectRef } from "./finding.js";
import { minimumFinding, type Floors } from "./floors.js";

/** Whose Envoy enforces the pool: each client's (DestinationRule) or the pod's own (Sidecar). */
export type PoolSide = "client" | "server";

const PROXY: Record<PoolSide, string> = {
  client: "each client proxy",
  server: "the pod's own proxy",
};

// Istio maps these to Envoy circuit breakers (pilot/pkg/networking/core/cluster_traffic_policy.go);
// 0 or unset leaves Envoy's limit of 2^32-1. idleTimeout and maxConnectionDuration are not floors:
// Envoy drains an upstream connection at either and closes it only once its streams are done.
const LIMITS = [
  {
    group: "tcp",
    key: "maxConnections",
    floor: "maxConnections",
    code: "pool-max-connections",
    why: (n: number, side: PoolSide) =>
      `${PROXY[side]} opens at most ${n} connections; over HTTP/1.1 each stream holds one, so stream ${n + 1} waits and overflow gets 503`,
  },
  {
    group: "http",
    key: "http1MaxPendingRequests",
    floor: "http1MaxPendingRequests",
    code: "pool-pending-requests",
    why: (n: number, side: PoolSide) =>
      `beyond ${n} requests waiting for a connection, ${PROXY[side]} answers 503 (upstream overflow)`,
  },
  {
    group: "http",
    key: "http2MaxRequests",
    floor: "http2MaxRequests",
    code: "pool-concurrent-requests",
    why: (n: number, side: PoolSide) =>
      `beyond ${n} requests in flight, ${PROXY[side]} answers 503 (upstream overflow)`,
  },
] as const;

/** Ceilings of an Istio ConnectionPoolSettings below the profile's floors. */
export function poolFindings(
  pool: unknown,
  path: FieldPath,
  object: ObjectRef,
  floors: Floors,
  side: PoolSide,
): Finding[] {
  const settings = record(pool);
  if (settings === undefined) return [];
  return LIMITS.flatMap((limit) => {
    const value = whole(record(settings[limit.group])?.[limit.key]);
    if (value === undefined || value === 0) return [];
    const finding = minimumFinding({
      object,
      path: [...path, limit.group, limit.key],
      value,
      floor: floors[limit.floor],
      code: limit.code,
      why: limit.why(value, side),
    });
    return finding === undefined ? [] : [finding];
  });
}

/** A TrafficPolicy's pool and each of its port-level pools. */
export function trafficPolicyFindings(
  policy: unknown,
  path: FieldPath,
  object: ObjectRef,
  floors: Floors,
): Finding[] {
  const settings = record(policy);
  if (settings === undefined) return [];
  const ports = Array.isArray(settings.portLevelSettings) ? settings.portLevelSettings : [];
  return [
    ...poolFindings(settings.connectionPool, [...path, "connectionPool"], object, floors, "client"),
    ...ports.flatMap((port, index) =>
      poolFindings(
        record(port)?.connectionPool,
        [...path, "portLevelSettings", index, "connectionPool"],
        object,
        floors,
        "client",
      ),
    ),
  ];
}
