import type { V1Service } from "@kubernetes/client-node";
import { namespaceOf } from "./inventory.js";

// Istio resolves a host without a dot against the namespace of the rule that names it, not the
// Service's (pilot/pkg/model/config.go, ResolveShortnameToFQDN); a host with a dot is taken as
// fully qualified, so "llm.inference" names no Service.

export function resolveHost(host: string, ruleNamespace: string, domain: string): string {
  return host.includes(".") || host === "*" ? host : `${host}.${ruleNamespace}.svc.${domain}`;
}

export function serviceHost(service: V1Service, domain: string): string {
  return `${service.metadata?.name ?? ""}.${namespaceOf(service)}.svc.${domain}`;
}

/** "*" and "*.suffix" match by suffix; any other host only itself. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
  return pattern === host;
}
