import type { V1Container, V1Pod } from "@kubernetes/client-node";

/** The mesh proxy a running pod carries, as the injector wrote it. */
export interface Sidecar {
  mesh: "istio" | "linkerd";
  container: string;
  /** native: an init container with restartPolicy Always; classic: an app container. */
  mode: "native" | "classic";
  image?: string;
  requests: Record<string, string>;
  limits: Record<string, string>;
}

const PROXIES = { "istio-proxy": "istio", "linkerd-proxy": "linkerd" } as const;

function sidecar(container: V1Container, mode: Sidecar["mode"]): Sidecar | undefined {
  const mesh = PROXIES[container.name as keyof typeof PROXIES];
  if (mesh === undefined) return undefined;
  return {
    mesh,
    container: container.name,
    mode,
    ...(container.image === undefined ? {} : { image: container.image }),
    requests: { ...container.resources?.requests },
    limits: { ...container.resources?.limits },
  };
}

export function sidecarsOf(pod: V1Pod): Sidecar[] {
  const native = (pod.spec?.initContainers ?? [])
    .filter(({ restartPolicy }) => restartPolicy === "Always")
    .map((container) => sidecar(container, "native"));
  const classic = (pod.spec?.containers ?? []).map((container) => sidecar(container, "classic"));
  return [...native, ...classic].filter((found): found is Sidecar => found !== undefined);
}

/** Sidecars alike in every field, with how many pods carry one. */
export interface SidecarGroup extends Sidecar {
  pods: number;
}

export interface PodsState {
  pods: number;
  withoutSidecar: number;
  sidecars: SidecarGroup[];
}

export function podsState(pods: V1Pod[]): PodsState {
  const groups = new Map<string, SidecarGroup>();
  let withoutSidecar = 0;
  for (const pod of pods) {
    const found = sidecarsOf(pod);
    if (found.length === 0) withoutSidecar += 1;
    for (const proxy of found) {
      const key = JSON.stringify(proxy);
      const group = groups.get(key);
      if (group) group.pods += 1;
      else groups.set(key, { ...proxy, pods: 1 });
    }
  }
  return { pods: pods.length, withoutSidecar, sidecars: [...groups.values()] };
}
