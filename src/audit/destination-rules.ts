import type { V1Service } from "@kubernetes/client-node";
import { trafficPolicyFindings } from "./connection-pools.js";
import { list, record, text } from "./fields.js";
import type { Finding } from "./finding.js";
import type { Floors } from "./floors.js";
import { namespaceOf, type Resource } from "./inventory.js";
import { hostMatches, resolveHost, serviceHost } from "./istio-hosts.js";
import { refOf } from "./refs.js";

/**
 * The DestinationRules that apply to `service`: those for its exact host, else those whose
 * wildcard host is the most specific match, as Istio picks one rule per host.
 */
export function destinationRulesFor(
  rules: Resource[],
  service: V1Service,
  domain: string,
): Resource[] {
  const target = serviceHost(service, domain);
  const hostOf = (rule: Resource) => {
    const host = text(record(rule.spec)?.host);
    return host === undefined ? undefined : resolveHost(host, namespaceOf(rule), domain);
  };
  const exact = rules.filter((rule) => hostOf(rule) === target);
  if (exact.length > 0) return exact;
  const wildcards = rules.filter((rule) => {
    const host = hostOf(rule);
    return host !== undefined && host.includes("*") && hostMatches(host, target);
  });
  const longest = Math.max(0, ...wildcards.map((rule) => hostOf(rule)?.length ?? 0));
  return wildcards.filter((rule) => hostOf(rule)?.length === longest);
}

/** Connection-pool ceilings below the floors, in the rule's policy and in each subset's. */
export function destinationRuleFindings(
  rules: Resource[],
  service: V1Service,
  floors: Floors,
  domain: string,
): Finding[] {
  return destinationRulesFor(rules, service, domain).flatMap((rule) => {
    const object = refOf(rule);
    const spec = record(rule.spec);
    return [
      ...trafficPolicyFindings(spec?.trafficPolicy, ["spec", "trafficPolicy"], object, floors),
      ...list(spec?.subsets).flatMap((subset, index) =>
        trafficPolicyFindings(
          record(subset)?.trafficPolicy,
          ["spec", "subsets", index, "trafficPolicy"],
          object,
          floors,
        ),
      ),
    ];
  });
}
