import type { V1Service } from "@kubernetes/client-node";
import { list, record, text } from "./fields.js";
import type { Finding } from "./finding.js";
import { timeoutFinding, type Floors } from "./floors.js";
import { namespaceOf, type Resource } from "./inventory.js";
import { linkerdTimeoutFindings } from "./linkerd-timeouts.js";
import { refOf } from "./refs.js";

/** A parentRef or backendRef naming the Service (kind Service in the core group). */
function namesService(
  reference: unknown,
  service: V1Service,
  routeNamespace: string,
  defaultKind: string,
): boolean {
  const ref = record(reference);
  if (ref === undefined) return false;
  const group = text(ref.group) ?? "";
  const kind = text(ref.kind) ?? defaultKind;
  return (
    (group === "" || group === "core") &&
    kind === "Service" &&
    ref.name === service.metadata?.name &&
    (text(ref.namespace) ?? routeNamespace) === namespaceOf(service)
  );
}

/**
 * Timeouts of HTTPRoutes and GRPCRoutes in front of `service`. A route whose parent is the
 * Service (the mesh's east-west routes, GAMMA) applies to all its rules and its annotations;
 * a Gateway's route applies the rules whose backendRefs include the Service.
 */
export function routeFindings(routes: Resource[], service: V1Service, floors: Floors): Finding[] {
  return routes.flatMap((route) => {
    const spec = record(route.spec);
    const namespace = namespaceOf(route);
    const parent = list(spec?.parentRefs).some((ref) =>
      namesService(ref, service, namespace, "Gateway"),
    );
    const object = refOf(route);
    const rules = list(spec?.rules).flatMap((rule, index): Finding[] => {
      const backends = list(record(rule)?.backendRefs);
      if (!parent && !backends.some((ref) => namesService(ref, service, namespace, "Service")))
        return [];
      const timeouts = record(record(rule)?.timeouts);
      return (["request", "backendRequest"] as const).flatMap((field) => {
        const finding = timeoutFinding(
          {
            object,
            path: ["spec", "rules", index, "timeouts", field],
            value: text(timeouts?.[field]),
            code: "http-route-timeout",
            cut: "total",
            by: "the mesh answers 504",
          },
          floors,
        );
        return finding === undefined ? [] : [finding];
      });
    });
    return parent ? [...linkerdTimeoutFindings(route, floors), ...rules] : rules;
  });
}
