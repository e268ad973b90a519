import type { Profile, SidecarMode } from "../../config/schema.js";
import { annotation, decide, proposeAnnotation, type Draft } from "../draft.js";
import type { Streams } from "../lifecycle.js";
import type { MeshAdapter } from "./mesh.js";
import { planSizes } from "./sidecar-sizes.js";

/** The annotations Linkerd's injector reads that meshtune writes. */
export const LINKERD = {
  inject: "linkerd.io/inject",
  cpuRequest: "config.linkerd.io/proxy-cpu-request",
  cpuLimit: "config.linkerd.io/proxy-cpu-limit",
  memoryRequest: "config.linkerd.io/proxy-memory-request",
  memoryLimit: "config.linkerd.io/proxy-memory-limit",
  proxyImage: "config.linkerd.io/proxy-image",
  proxyVersion: "config.linkerd.io/proxy-version",
  initImage: "config.linkerd.io/init-image",
  initImageVersion: "config.linkerd.io/init-image-version",
  proxyAwait: "config.linkerd.io/proxy-await",
  nativeSidecar: "config.linkerd.io/proxy-enable-native-sidecar",
  nativeSidecarBeta: "config.beta.linkerd.io/proxy-enable-native-sidecar",
  nativeSidecarAlpha: "config.alpha.linkerd.io/proxy-enable-native-sidecar",
  shutdownGracePeriod: "config.linkerd.io/shutdown-grace-period",
  waitBeforeExit: "config.alpha.linkerd.io/proxy-wait-before-exit-seconds",
} as const;

const PROXY = "linkerd-proxy";

const SIZE_KEYS = {
  cpuRequest: LINKERD.cpuRequest,
  cpuLimit: LINKERD.cpuLimit,
  memoryRequest: LINKERD.memoryRequest,
  memoryLimit: LINKERD.memoryLimit,
};

// The native-sidecar keys in the order each release reads them, the first present one deciding
// (pkg/inject/inject.go): 2.20 the GA key, then beta, then alpha; 2.19 beta, then alpha;
// 2.15-2.18 only alpha. Writing all three, GA first, makes every release from 2.15 honour it.
const NATIVE_KEYS = [LINKERD.nativeSidecar, LINKERD.nativeSidecarBeta, LINKERD.nativeSidecarAlpha];
const NATIVE_KEYS_READ = [NATIVE_KEYS, NATIVE_KEYS.slice(1), NATIVE_KEYS.slice(2)];

/** Go's strconv.ParseBool, which Linkerd reads these keys with; undefined for what it refuses. */
function goBool(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/**
 * Whether linkerd-proxy will be native on every release from 2.15, given these annotations;
 * undefined when a release falls back to its default (the key it reads is absent or invalid).
 */
function nativeEverywhere(annotations: Record<string, string>): boolean | undefined {
  const views = NATIVE_KEYS_READ.map((keys) => {
    const first = keys.find((key) => annotations[key] !== undefined);
    return first === undefined ? undefined : goBool(annotations[first]);
  });
  return views.every((view) => view === views[0]) ? views[0] : undefined;
}

/** Image and version are one pin: Linkerd renders <image>:<version>, so half of ours on half of theirs is wrong. */
function planImagePair(
  draft: Draft,
  keys: { image: string; version: string },
  image: string,
  version: string,
): void {
  const theirImage = annotation(draft, keys.image);
  const theirVersion = annotation(draft, keys.version);
  if ((theirImage === undefined) !== (theirVersion === undefined)) {
    const key = theirImage === undefined ? keys.version : keys.image;
    decide(draft, { kind: "kept", code: "kept-image-half", key, detail: linkerd.title });
    return;
  }
  proposeAnnotation(draft, keys.image, image);
  proposeAnnotation(draft, keys.version, version);
}

function planImages(draft: Draft, sidecar: Profile["sidecar"]["linkerd"]): void {
  const { image, version, initImage, initVersion } = sidecar;
  if (image === undefined || version === undefined) return;
  planImagePair(
    draft,
    { image: LINKERD.proxyImage, version: LINKERD.proxyVersion },
    image,
    version,
  );
  if (initImage === undefined || initVersion === undefined) return;
  const initKeys = { image: LINKERD.initImage, version: LINKERD.initImageVersion };
  planImagePair(draft, initKeys, initImage, initVersion);
  decide(draft, { kind: "info", code: "init-image-pin", key: LINKERD.initImage });
}

/** Linkerd 2.15-2.19 refuse a pod whose native sidecar would wait before exit (_proxy.tpl's fail). */
function waitsBeforeExit(draft: Draft): string | undefined {
  const value = annotation(draft, LINKERD.waitBeforeExit);
  // Linkerd reads it with ParseUint and ignores what does not parse.
  return value !== undefined && /^[0-9]+$/.test(value) && Number(value) > 0 ? value : undefined;
}

/** Whether the proxy will be native on every release (undefined: Linkerd decides), and whether that is news. */
interface Mode {
  native: boolean | undefined;
  news: boolean;
}

/**
 * Pins the sidecar mode with all three keys, unless the pod chose already: a key it set that
 * disagrees with ours keeps every key of ours away, since a higher one would override it.
 */
function planMode(draft: Draft, mode: SidecarMode): Mode {
  const annotations = { ...draft.pod.metadata?.annotations };
  if (mode === "mesh-default") return { native: nativeEverywhere(annotations), news: true };
  const native = mode === "native";
  const disagreeing = NATIVE_KEYS.find(
    (key) => annotations[key] !== undefined && goBool(annotations[key]) !== native,
  );
  const wait = native ? waitsBeforeExit(draft) : undefined;
  let news = true;
  if (disagreeing !== undefined) {
    const theirs = annotations[disagreeing];
    decide(draft, {
      kind: "kept",
      code: "kept-native-sidecar",
      key: disagreeing,
      theirs,
      detail: "Linkerd",
    });
  } else if (wait !== undefined) {
    // The pod's own native keys with its own wait are its conflict: meshtune adds to neither.
    const own = NATIVE_KEYS.some((key) => annotations[key] !== undefined);
    const code = own ? "native-with-wait" : "wait-blocks-native";
    decide(draft, { kind: "note", code, key: LINKERD.waitBeforeExit, theirs: wait });
  } else {
    // Told again only when it is news: not for a pod that already carries meshtune's choice.
    news = false;
    for (const key of NATIVE_KEYS) {
      const theirs = annotations[key];
      if (theirs !== undefined) {
        // It agrees with ours, maybe spelt otherwise ("True", "1"): it stays as it is.
        decide(draft, { kind: "unchanged", code: "unchanged-value", key, ours: theirs });
      } else {
        proposeAnnotation(draft, key, String(native));
        annotations[key] = String(native);
        news = true;
      }
    }
    // The pod's 0 stands in for a namespace's value, which a native sidecar cannot go with.
    if (native) proposeAnnotation(draft, LINKERD.waitBeforeExit, "0");
  }
  return { native: nativeEverywhere(annotations), news };
}

/**
 * The proxy's drain: LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD lets in-flight requests finish after
 * SIGTERM; a classic proxy, which gets SIGTERM with the app, also waits out the app's preStop
 * pause so it still takes the connections that arrive while endpoints drop the pod.
 */
function planDrain(draft: Draft, native: boolean | undefined, streams: Streams): void {
  proposeAnnotation(draft, LINKERD.shutdownGracePeriod, `${streams.longestSeconds}s`);
  if (streams.pauseSeconds === 0 || native === true) return;
  if (native === false) {
    proposeAnnotation(draft, LINKERD.waitBeforeExit, String(streams.pauseSeconds));
  } else {
    decide(draft, { kind: "info", code: "no-wait-before-exit", key: LINKERD.waitBeforeExit });
  }
}

function explainMode(draft: Draft, { native, news }: Mode, held: boolean): void {
  const about = { kind: news ? "note" : "info", detail: "Linkerd", container: PROXY } as const;
  if (native === true) {
    const ours = held ? "proxy-await" : undefined;
    decide(draft, { code: "sidecar-native", ...about, ...(ours && { ours }) });
  } else if (native === false) {
    const ours = held ? "linkerd-await" : undefined;
    decide(draft, { code: "sidecar-classic", ...about, ...(ours && { ours }) });
  } else {
    const ours = "native by default from 2.20, classic before";
    decide(draft, { code: "sidecar-mesh-default", ...about, ours });
  }
}

export const linkerd: MeshAdapter = {
  name: "linkerd",
  title: "Linkerd",
  containers: ["linkerd-proxy", "linkerd-init", "linkerd-network-validator"],

  optedOut(draft) {
    // Linkerd injects only on enabled or ingress; any other value, even an invalid one, means no proxy.
    const key = LINKERD.inject;
    const value = annotation(draft, key);
    return value !== undefined && value !== "enabled" && value !== "ingress"
      ? { key, value }
      : undefined;
  },

  optOut(draft) {
    proposeAnnotation(draft, LINKERD.inject, "disabled");
  },

  tune(draft, profile, { warmup, lifecycle }) {
    const sidecar = profile.sidecar.linkerd;
    planSizes(draft, SIZE_KEYS, sidecar, "Linkerd ignores it and uses its default");
    planImages(draft, sidecar);
    const mode = planMode(draft, lifecycle.mode);
    if (lifecycle.streams !== undefined) planDrain(draft, mode.native, lifecycle.streams);
    if (warmup) proposeAnnotation(draft, LINKERD.proxyAwait, "enabled");
    // Only a pod that says enabled is sure to be held: the mesh's own default may be off.
    const held = (annotation(draft, LINKERD.proxyAwait) ?? (warmup ? "enabled" : "")) === "enabled";
    explainMode(draft, mode, held);
    decide(draft, { kind: "info", code: "linkerd-namespace-annotations" });
  },
};
