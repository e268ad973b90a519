import { splitImage } from "../config/images.js";

/** How far a proxy is from its control plane, by the mesh's own skew rule. */
export type Skew = "level" | "behind" | "unsupported";

/** Istio and Linkerd both support proxies at most one release behind the control plane, never ahead. */
export function skew(proxy: number, controlPlane: number): Skew {
  if (proxy === controlPlane) return "level";
  return proxy === controlPlane - 1 ? "behind" : "unsupported";
}

export function imageTag(image: string | undefined): string | undefined {
  return image === undefined ? undefined : splitImage(image).tag;
}

/** An Istio release: 1.<minor>, read from an image tag such as 1.30.3 or 1.30.3-distroless. */
export interface IstioVersion {
  minor: number;
  text: string;
}

export function istioVersion(tag: string | undefined): IstioVersion | undefined {
  const match = /^v?1\.(\d+)(?:[.-]|$)/.exec(tag ?? "");
  return match ? { minor: Number(match[1]), text: tag as string } : undefined;
}

// The first edge release of each Linkerd version, from the linkerd/linkerd2 repository: the
// edge tag on the commit of tag version-2.X, or (2.20) the first edge release containing it.
const FIRST_EDGE: [minor: number, edge: [number, number, number]][] = [
  [15, [24, 2, 4]],
  [16, [24, 8, 2]],
  [17, [24, 11, 8]],
  [18, [25, 4, 4]],
  [19, [25, 10, 7]],
  [20, [26, 7, 1]],
];

const compare = (a: number[], b: number[]) =>
  a.reduce((order, value, index) => order || value - (b[index] ?? 0), 0);

/**
 * The Linkerd version 2.<minor> a release belongs to: stable-2.14.10, enterprise-2.18.3 and
 * version-2.20 name it; edge-25.4.4 is looked up. Edge releases older than 2.15 are not known.
 */
export function linkerdMinor(release: string | undefined): number | undefined {
  const named = /^(?:stable|enterprise|version)-2\.(\d+)(?:\.|$)/.exec(release ?? "");
  if (named) return Number(named[1]);
  const edge = /^edge-(\d+)\.(\d+)\.(\d+)$/.exec(release ?? "");
  if (!edge) return undefined;
  const number = edge.slice(1).map(Number);
  return FIRST_EDGE.filter(([, first]) => compare(number, first) >= 0).at(-1)?.[0];
}
