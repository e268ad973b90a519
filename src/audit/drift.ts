import type { V1Pod } from "@kubernetes/client-node";
import { ISTIO } from "../policy/meshes/istio.js";
import { LINKERD } from "../policy/meshes/linkerd.js";
import { parseYamlWithin, type YamlLimits } from "../parse/yaml.js";
import { labels, record, text } from "./fields.js";
import type { Finding, ObjectRef, Severity } from "./finding.js";
import { namespaceOf, type Inventory } from "./inventory.js";
import type { PlannedChange } from "./pod-changes.js";
import { sidecarsOf } from "./pod-state.js";
import {
  imageTag,
  istioVersion,
  linkerdMinor,
  skew,
  type IstioVersion,
  type Skew,
} from "./versions.js";
import type { Workload } from "./workloads.js";

interface IstioControlPlane {
  namespace: string;
  name: string;
  revision: string;
  image?: string;
  version?: IstioVersion;
}

interface LinkerdControlPlane {
  namespace: string;
  /** linkerdVersion in linkerd-config. */
  version: string;
  minor?: number;
}

export interface ControlPlanes {
  istio: IstioControlPlane[];
  linkerd?: LinkerdControlPlane;
}

const REVISION = "istio.io/rev";

/**
 * What the audit reads of linkerd-config's `values`: the chart's values, a few hundred lines
 * nested a few levels. A ConfigMap holds at most 1 MiB; 64 levels is far deeper than the chart.
 */
const LINKERD_VALUES_LIMITS: YamlLimits = { maxBytes: 1024 * 1024, maxDepth: 64, maxAliases: 100 };

/** linkerd-config's linkerdVersion; undefined when its values are unreadable or over the limits. */
function linkerdVersionOf(values: string): string | undefined {
  const parsed = parseYamlWithin(values, LINKERD_VALUES_LIMITS);
  return "value" in parsed ? text(record(parsed.value)?.linkerdVersion) : undefined;
}

export function controlPlanes(inventory: Inventory): ControlPlanes {
  const istio = inventory.istiods.map((deployment): IstioControlPlane => {
    const containers = deployment.spec?.template.spec?.containers ?? [];
    const image = (containers.find(({ name }) => name === "discovery") ?? containers[0])?.image;
    const version = istioVersion(imageTag(image));
    return {
      namespace: namespaceOf(deployment),
      name: deployment.metadata?.name ?? "istiod",
      revision: labels(deployment.metadata?.labels)[REVISION] ?? "default",
      ...(image === undefined ? {} : { image }),
      ...(version === undefined ? {} : { version }),
    };
  });
  const config = inventory.linkerdConfig;
  let linkerd: LinkerdControlPlane | undefined;
  if (config !== undefined) {
    const version = linkerdVersionOf(config.data?.values ?? "");
    if (version !== undefined) {
      const minor = linkerdMinor(version);
      linkerd = {
        namespace: namespaceOf(config),
        version,
        ...(minor === undefined ? {} : { minor }),
      };
    }
  }
  return { istio, ...(linkerd === undefined ? {} : { linkerd }) };
}

/** The istiod a pod or namespace is injected by: its revision's, else the only one, else the default. */
function istiodFor(planes: IstioControlPlane[], revision: string): IstioControlPlane | undefined {
  return (
    planes.find((plane) => plane.revision === revision) ??
    (planes.length === 1 ? planes[0] : planes.find((plane) => plane.revision === "default"))
  );
}

interface DriftContext {
  workload: Workload;
  namespaceLabels: Record<string, string>;
  planes: ControlPlanes;
}

const SEVERITY: Record<Exclude<Skew, "level">, Severity> = { behind: "info", unsupported: "error" };

function istioWhy(skewed: Exclude<Skew, "level">, plane: IstioControlPlane): string {
  const runs = `istiod ${plane.namespace}/${plane.name} runs ${plane.version?.text ?? "?"}`;
  return skewed === "behind"
    ? `${runs}, one minor ahead, which Istio supports; the pods' next restart brings the proxy level`
    : `${runs}; Istio supports proxies at most one minor behind it, never ahead, so this one may misread its configuration`;
}

function linkerdWhy(skewed: Exclude<Skew, "level">, plane: LinkerdControlPlane): string {
  const runs = `the control plane runs ${plane.version} (2.${plane.minor ?? "?"})`;
  return skewed === "behind"
    ? `${runs}, one version ahead, which Linkerd supports; the pods' next restart brings the proxy level`
    : `${runs}; Linkerd supports proxies at most one version behind it, never ahead`;
}

function workloadRef(workload: Workload): ObjectRef {
  const { apiVersion, kind, namespace, name } = workload;
  return { apiVersion, kind, namespace, name };
}

function restart(workload: Workload): string {
  if (workload.kind === "Pod")
    return `recreate pod ${workload.name} so the injector gives it the control plane's proxy`;
  return `restart the pods (kubectl rollout restart ${workload.kind.toLowerCase()}/${workload.name} -n ${workload.namespace}) so the injector gives them the control plane's proxy`;
}

/** Running proxies of the workload whose version is outside (error) or behind (info) the mesh's skew. */
function runningDrift(context: DriftContext): Finding[] {
  const { workload, namespaceLabels, planes } = context;
  const groups = new Map<string, { finding: Finding; pods: number }>();
  const add = (key: string, make: () => Finding) => {
    const group = groups.get(key) ?? { finding: make(), pods: 0 };
    group.pods += 1;
    groups.set(key, group);
  };
  for (const pod of workload.pods) {
    for (const proxy of sidecarsOf(pod)) {
      const found = proxyVersion(pod, proxy.mesh, proxy.image);
      const judged =
        proxy.mesh === "istio"
          ? judgeIstio(found, istiodFor(planes.istio, podRevision(pod, namespaceLabels)))
          : judgeLinkerd(found, planes.linkerd);
      if (judged === undefined) continue;
      add(`${proxy.container}\u0000${found}`, () => ({
        severity: SEVERITY[judged.skew],
        code: "proxy-version-skew",
        object: workloadRef(workload),
        field: `${proxy.container} image`,
        found: found ?? "",
        expected: judged.expected,
        why: judged.why,
        remedy: restart(workload),
      }));
    }
  }
  return [...groups.values()].map(({ finding, pods }) => ({
    ...finding,
    found: `${finding.found} (${pods} of ${workload.pods.length} pods)`,
  }));
}

function proxyVersion(pod: V1Pod, mesh: "istio" | "linkerd", image: string | undefined) {
  if (mesh === "linkerd")
    return labels(pod.metadata?.annotations)["linkerd.io/proxy-version"] ?? imageTag(image);
  return imageTag(image);
}

function podRevision(pod: V1Pod, namespaceLabels: Record<string, string>): string {
  return (
    labels(pod.metadata?.annotations)[REVISION] ??
    labels(pod.metadata?.labels)[REVISION] ??
    namespaceLabels[REVISION] ??
    "default"
  );
}

interface Judgement {
  skew: Exclude<Skew, "level">;
  expected: string;
  why: string;
}

function judgeIstio(tag: string | undefined, plane: IstioControlPlane | undefined) {
  const version = istioVersion(tag);
  if (version === undefined || plane?.version === undefined) return undefined;
  const judged = skew(version.minor, plane.version.minor);
  if (judged === "level") return undefined;
  const { minor } = plane.version;
  return {
    skew: judged,
    expected: `1.${minor - 1} or 1.${minor}`,
    why: istioWhy(judged, plane),
  } satisfies Judgement;
}

function judgeLinkerd(release: string | undefined, plane: LinkerdControlPlane | undefined) {
  const minor = linkerdMinor(release);
  if (minor === undefined || plane?.minor === undefined) return undefined;
  const judged = skew(minor, plane.minor);
  if (judged === "level") return undefined;
  return {
    skew: judged,
    expected: `Linkerd 2.${plane.minor - 1} or 2.${plane.minor}`,
    why: linkerdWhy(judged, plane),
  } satisfies Judgement;
}

/** Proxy versions the profile pins, judged against the control plane the pods would meet. */
function pinnedDrift(context: DriftContext, profile: string, changes: PlannedChange[]): Finding[] {
  const revision = context.namespaceLabels[REVISION] ?? "default";
  const pins = [
    {
      key: ISTIO.proxyImage,
      field: "sidecar.istio.image",
      judge: (image: string) =>
        judgeIstio(imageTag(image), istiodFor(context.planes.istio, revision)),
      remedy: "pin a proxyv2 image of istiod's release in the profile",
    },
    {
      key: LINKERD.proxyVersion,
      field: "sidecar.linkerd.version",
      judge: (version: string) => judgeLinkerd(version, context.planes.linkerd),
      remedy: "pin the control plane's proxy version in the profile",
    },
  ];
  return pins.flatMap(({ key, field, judge, remedy }): Finding[] => {
    const value = changes.find((change) => change.key === key)?.value;
    const judged = typeof value === "string" ? judge(value) : undefined;
    if (judged === undefined) return [];
    return [
      {
        severity: SEVERITY[judged.skew],
        code: "pinned-proxy-skew",
        object: { apiVersion: "meshtune config", kind: "profile", name: profile },
        field,
        found: String(value),
        expected: judged.expected,
        why: judged.why,
        remedy,
      },
    ];
  });
}

export function driftFindings(
  context: DriftContext,
  profile: string,
  changes: PlannedChange[],
): Finding[] {
  return [...runningDrift(context), ...pinnedDrift(context, profile, changes)];
}
