import type { V1Service } from "@kubernetes/client-node";
import { list, record, text } from "./fields.js";
import type { Finding } from "./finding.js";
import { timeoutFinding, type Floors } from "./floors.js";
import { namespaceOf, type Resource } from "./inventory.js";
import { resolveHost, serviceHost } from "./istio-hosts.js";
import { refOf } from "./refs.js";

const BY_ISTIO = "Istio answers 504 upstream request timeout";

/**
 * The http routes of `virtualService` that carry traffic to `service`: all of them when the
 * VirtualService is for the Service's host, else those with a destination on it.
 */
function routesTo(virtualService: Resource, service: V1Service, domain: string): number[] {
  const spec = record(virtualService.spec);
  const namespace = namespaceOf(virtualService);
  const target = serviceHost(service, domain);
  const names = (host: unknown) =>
    typeof host === "string" && resolveHost(host, namespace, domain) === target;
  const forService = list(spec?.hosts).some(names);
  return list(spec?.http).flatMap((route, index) => {
    const destinations = list(record(route)?.route).map(
      (destination) => record(record(destination)?.destination)?.host,
    );
    return forService || destinations.some(names) ? [index] : [];
  });
}

/** Route timeouts and per-try timeouts shorter than the longest stream. */
export function virtualServiceFindings(
  virtualServices: Resource[],
  service: V1Service,
  floors: Floors,
  domain: string,
): Finding[] {
  return virtualServices.flatMap((virtualService) => {
    const object = refOf(virtualService);
    const http = list(record(virtualService.spec)?.http);
    return routesTo(virtualService, service, domain).flatMap((index) => {
      const route = record(http[index]);
      const retries = record(route?.retries);
      const checks = [
        timeoutFinding(
          {
            object,
            path: ["spec", "http", index, "timeout"],
            value: text(route?.timeout),
            code: "route-timeout",
            cut: "total",
            by: BY_ISTIO,
          },
          floors,
        ),
        timeoutFinding(
          {
            object,
            path: ["spec", "http", index, "retries", "perTryTimeout"],
            value: text(retries?.perTryTimeout),
            code: "retry-timeout",
            cut: "attempt",
          },
          floors,
        ),
      ];
      return checks.filter((finding): finding is Finding => finding !== undefined);
    });
  });
}
