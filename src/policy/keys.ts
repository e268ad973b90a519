// Every label and annotation key meshtune reads or writes, in one place.

export const MESHTUNE = {
  profile: "meshtune.dev/profile",
  applied: "meshtune.dev/applied",
  enabledNamespaceLabel: "meshtune.dev/enabled",
  warmup: "meshtune.dev/warmup",
  warmupContainer: "meshtune.dev/warmup-container",
  warmupModel: "meshtune.dev/warmup-model",
} as const;

export const PROFILE_OFF = "off";

export const ISTIO = {
  inject: "sidecar.istio.io/inject",
  proxyCPU: "sidecar.istio.io/proxyCPU",
  proxyMemory: "sidecar.istio.io/proxyMemory",
  proxyCPULimit: "sidecar.istio.io/proxyCPULimit",
  proxyMemoryLimit: "sidecar.istio.io/proxyMemoryLimit",
  proxyImage: "sidecar.istio.io/proxyImage",
  proxyConfig: "proxy.istio.io/config",
} as const;

export const LINKERD = {
  inject: "linkerd.io/inject",
  cpuRequest: "config.linkerd.io/proxy-cpu-request",
  cpuLimit: "config.linkerd.io/proxy-cpu-limit",
  memoryRequest: "config.linkerd.io/proxy-memory-request",
  memoryLimit: "config.linkerd.io/proxy-memory-limit",
  proxyImage: "config.linkerd.io/proxy-image",
  proxyVersion: "config.linkerd.io/proxy-version",
  proxyAwait: "config.linkerd.io/proxy-await",
} as const;

/** Containers a mesh injector adds; a pod carrying one has been injected already. */
export const MESH_CONTAINERS = [
  "istio-proxy",
  "istio-init",
  "istio-validation",
  "linkerd-proxy",
  "linkerd-init",
  "linkerd-network-validator",
];
