/**
 * Why meshtune did what it did, as data: what kind of step, a stable code, and the key, values and
 * container it concerns. formatDecision turns one into the line --explain prints, the admission
 * warning kubectl shows and the log line records. `unchanged` decisions (a value already as
 * meshtune would set it) and `info` ones (what else bears on a value, such as a mesh resource
 * that overrides it) are explained but never sent as warnings.
 */
export interface Decision {
  kind: "selected" | "skipped" | "profile" | "set" | "kept" | "unchanged" | "note" | "info";
  code: DecisionCode;
  /** The label, annotation, field or resource it is about. */
  key?: string;
  /** The value meshtune wants. */
  ours?: string;
  /** The value the pod carries. */
  theirs?: string;
  container?: string;
  /** The rest of the sentence where a code needs one: a reason, a mesh, a profile. */
  detail?: string;
}

/** A value in a line: the part a long line gives up first. Quoted ones are shown as JSON strings. */
interface Value {
  text: string;
  quoted: boolean;
}
type Part = string | Value;
type Fields = Omit<Decision, "kind" | "code">;

const value = (text = ""): Value => ({ text, quoted: false });
const quoted = (text = ""): Value => ({ text, quoted: true });
const inContainer = (d: Fields) => `container "${d.container ?? ""}"`;

const TEMPLATES = {
  "selected-gpu": (d: Fields) => [`selected: container ${d.container} requests `, value(d.key)],
  "selected-dra": (d: Fields) => ["selected: it claims DRA devices (", value(d.detail), ")"],
  "selected-runtimeClass": (d: Fields) => [
    "selected: it runs with runtimeClassName ",
    value(d.theirs),
  ],
  "selected-inferenceLabel": () => ["selected: its labels mark it as an inference workload"],
  "selected-modelServer": (d: Fields) => [`selected: container ${d.container} runs ${d.detail}`],
  "selected-more": (d: Fields) => [`selected: and ${d.detail} more reasons`],
  "selected-batch": (d: Fields) => [
    `selected: a batch pod, ${d.detail} (${d.key}=`,
    value(d.theirs),
    ")",
  ],
  "skipped-namespace": (d: Fields) => ["namespace ", value(d.theirs), " is excluded"],
  "skipped-own-namespace": (d: Fields) => ["namespace ", value(d.theirs), " is meshtune's own"],
  "skipped-host-network": () => ["hostNetwork pods get no sidecar"],
  "skipped-injected": (d: Fields) => [`the pod already carries the mesh container ${d.container}`],
  "skipped-profile-off": (d: Fields) => [`the pod opts out (${d.key}: off)`],
  "skipped-unknown-profile": (d: Fields) => [
    "unknown profile ",
    quoted(d.theirs),
    ` in ${d.key} (known: `,
    value(d.detail),
    "); pod left unchanged",
  ],
  "skipped-not-candidate": () => ["not a GPU or inference pod"],
  "skipped-no-profile": () => ["no profile matches this pod"],
  "profile-named": (d: Fields) => [`profile ${d.ours} (${d.detail}): named by ${d.key}`],
  "profile-matched": (d: Fields) => [
    `profile ${d.ours} (${d.detail}): first profile whose match holds`,
  ],
  "set-annotation": (d: Fields) => [`set annotation ${d.key}=`, quoted(d.ours)],
  "set-label": (d: Fields) => [`set label ${d.key}=`, quoted(d.ours)],
  "merged-proxy-config": (d: Fields) => ["merged ", value(d.ours), ` into the pod's ${d.key}`],
  "unchanged-value": (d: Fields) => [`${d.key} is already `, quoted(d.ours)],
  "kept-value": (d: Fields) => [
    `kept ${d.key}=`,
    quoted(d.theirs),
    " set by the pod (meshtune: ",
    quoted(d.ours),
    ")",
  ],
  "kept-proxy-config-field": (d: Fields) => [
    `kept ${d.key}=`,
    value(d.theirs),
    ` in the pod's ${d.detail}`,
  ],
  "kept-unparsable-proxy-config": (d: Fields) => [
    `kept ${d.key}: it does not parse as JSON or YAML (Istio will reject the pod)`,
  ],
  "kept-proxy-config-over-limit": (d: Fields) => [
    `kept ${d.key}: it ${d.detail} (Istio refuses the pod if it is invalid)`,
  ],
  "kept-image-half": (d: Fields) => [
    `kept the pod's ${d.key}; not pinning the other half of the ${d.detail} proxy image`,
  ],
  "mesh-opted-out": (d: Fields) => [
    `${d.detail}: the pod sets ${d.key}=`,
    value(d.theirs),
    ", so its proxy is not tuned",
  ],
  "invalid-quantity": (d: Fields) => [
    `${d.key}=`,
    quoted(d.theirs),
    ` is not a quantity; ${d.detail}`,
  ],
  "request-above-limit": (d: Fields) => [
    `not setting ${d.key}=`,
    value(d.ours),
    `: above the pod's ${d.detail}=`,
    value(d.theirs),
  ],
  "limit-below-request": (d: Fields) => [
    `not setting ${d.key}=`,
    value(d.ours),
    `: below the pod's ${d.detail}=`,
    value(d.theirs),
  ],
  "set-warmup": (d: Fields) => [`set warmup on ${inContainer(d)} (${d.detail}): `, value(d.ours)],
  "set-startup-probe": (d: Fields) => [
    `set startupProbe on ${inContainer(d)}: holds it until warm (${d.ours}s at most)`,
  ],
  "unchanged-warmup-hook": (d: Fields) => [`${inContainer(d)} already has meshtune's warmup hook`],
  "unchanged-startup-probe": (d: Fields) => [
    `${inContainer(d)} already has meshtune's warmup startupProbe`,
  ],
  "kept-post-start": (d: Fields) => [
    `kept the postStart hook of ${inContainer(d)}; no warmup for it`,
  ],
  "kept-startup-probe": (d: Fields) => [
    `kept the startupProbe of ${inContainer(d)}; it does not wait for the warmup`,
  ],
  "batch-native": (d: Fields) => [
    `batch pod (${d.key}=`,
    value(d.theirs),
    "): native sidecars, no warmup, no drain",
  ],
  "batch-classic": (d: Fields) => [
    `batch pod (${d.key}=`,
    value(d.theirs),
    "): with nativeSidecars off, its sidecar keeps it running",
  ],
  "native-off": () => [
    "sidecar.mode native, but lifecycle.nativeSidecars is false: classic sidecars",
  ],
  "sidecar-native": (d: Fields) => [
    `${d.detail}: native sidecar: ${d.container} starts first`,
    d.ours === undefined
      ? " and stops after the app"
      : `, holds the app (${d.ours}), stops after it`,
  ],
  "sidecar-classic": (d: Fields) => [
    `${d.detail}: classic sidecar: `,
    d.ours === undefined ? "the app may start first" : `held by ${d.ours}`,
    `; SIGTERM reaches ${d.container} with the app`,
  ],
  "sidecar-mesh-default": (d: Fields) => [
    `${d.detail}: the sidecar mode is left to it (${d.ours})`,
  ],
  "ambient-pod": (d: Fields) => [
    `Istio: in ambient (${d.key}=ambient on the ${d.detail}): no sidecar, so no sidecar keys`,
  ],
  "ambient-sidecar": (d: Fields) => [
    `Istio: the pod asks for a sidecar (${d.key}=`,
    value(d.theirs),
    "), which Istio injects in an ambient namespace too",
  ],
  "proxy-config-resources": () => [
    "Istio: a ProxyConfig resource selecting this pod wins over the concurrency and proxyMetadata written here",
  ],
  "linkerd-namespace-annotations": () => [
    "Linkerd: these pod annotations override the same config.linkerd.io annotations on the namespace",
  ],
  "kept-native-sidecar": (d: Fields) => [
    `kept the pod's ${d.key}=`,
    quoted(d.theirs),
    `; no other ${d.detail} native-sidecar key added`,
  ],
  "wait-blocks-native": (d: Fields) => [
    "Linkerd: not native: 2.15-2.19 refuse it with the pod's proxy-wait-before-exit-seconds=",
    value(d.theirs),
  ],
  "native-with-wait": (d: Fields) => [
    "Linkerd 2.15-2.19 refuse this pod: a native sidecar and its proxy-wait-before-exit-seconds=",
    value(d.theirs),
  ],
  "no-wait-before-exit": (d: Fields) => [
    `Linkerd: no ${d.key}: the sidecar may be native, and Linkerd 2.15-2.19 refuse a native one with it`,
  ],
  "init-image-pin": (d: Fields) => [
    `Linkerd: ${d.key} pins proxy-init on 2.19 and older; 2.20 runs it from the proxy image`,
  ],
  "set-pre-stop": (d: Fields) => [
    `set preStop on ${inContainer(d)}: `,
    value(d.ours),
    ", so endpoints drop the pod before SIGTERM",
  ],
  "kept-pre-stop": (d: Fields) => [`kept the preStop hook of ${inContainer(d)}; no pause added`],
  "unchanged-pre-stop": (d: Fields) => [`${inContainer(d)} already pauses before SIGTERM`],
  "set-grace-period": (d: Fields) => [
    "set terminationGracePeriodSeconds=",
    value(d.ours),
    ` (was ${d.theirs ?? "unset, so 30"}): ${d.detail}`,
  ],
  "unchanged-grace-period": (d: Fields) => [
    "terminationGracePeriodSeconds=",
    value(d.theirs),
    ` already covers ${d.detail}`,
  ],
  "kept-grace-period": (d: Fields) => [
    "kept terminationGracePeriodSeconds=",
    value(d.theirs),
    `: streams longer than about ${d.detail}s are cut at shutdown (meshtune: ${d.ours})`,
  ],
  "grace-period-not-raised": (d: Fields) => [
    "terminationGracePeriodSeconds stays 30 (raiseGracePeriod: false): ",
    `streams over about ${d.detail}s are cut`,
  ],
  "warmup-off": (d: Fields) => [`${d.key} ignored: profile ${d.detail} has warmup off`],
  "no-warmup": (d: Fields) => [`no warmup for ${inContainer(d)}: `, value(d.detail)],
  "warmup-note": (d: Fields) => [`warmup of ${inContainer(d)}: `, value(d.detail)],
  "warmup-annotation": (d: Fields) => [value(d.detail)],
  "too-many-warmups": (d: Fields) => [
    `warmup hooks for the first ${d.ours} model servers only; ${d.detail} more (`,
    value(d.container),
    ") get none",
  ],
} satisfies Record<string, (d: Fields) => Part[]>;

type DecisionCode = keyof typeof TEMPLATES;

/** Where a decision is shown: an admission warning reads a skip as its bare reason. */
export interface Rendering {
  /** At most this many characters; values are shortened first, keys never. */
  width: number;
  warning?: boolean;
}

/** --explain and log lines: room for whole values, and still a bound on what a pod can make us print. */
export const LINE_WIDTH = 240;

const ELLIPSIS = "...";
// A value keeps at least this much of itself, so it stays recognisable.
const MIN_VALUE = 8;

function shown(part: Value): string {
  return part.quoted ? JSON.stringify(part.text) : part.text;
}

function shorten(part: Value, width: number): string {
  if (!part.quoted) return part.text.slice(0, Math.max(0, width - ELLIPSIS.length)) + ELLIPSIS;
  let keep = width - ELLIPSIS.length - 2;
  while (keep > 0 && JSON.stringify(part.text.slice(0, keep) + ELLIPSIS).length > width) keep--;
  return JSON.stringify(part.text.slice(0, Math.max(0, keep)) + ELLIPSIS);
}

/** Shares `room` between the values, the shortest first, each getting no more than it needs. */
function allot(lengths: number[], room: number): number[] {
  const order = lengths
    .map((length, index) => ({ length, index }))
    .sort((a, b) => a.length - b.length);
  const allotted = new Array<number>(lengths.length).fill(0);
  let left = room;
  order.forEach(({ length, index }, rank) => {
    const share = Math.max(MIN_VALUE, Math.floor(left / (order.length - rank)));
    allotted[index] = Math.min(length, share);
    left -= allotted[index];
  });
  return allotted;
}

function render(parts: Part[], width: number): string {
  const values = parts.filter((part): part is Value => typeof part !== "string");
  const whole = parts.map((part) => (typeof part === "string" ? part : shown(part))).join("");
  if (whole.length <= width) return whole;
  const fixed = parts.reduce((sum, part) => sum + (typeof part === "string" ? part.length : 0), 0);
  const lengths = values.map((part) => shown(part).length);
  const allotted = allot(lengths, width - fixed);
  let next = 0;
  const line = parts
    .map((part) => {
      if (typeof part === "string") return part;
      const index = next++;
      return allotted[index]! < lengths[index]! ? shorten(part, allotted[index]!) : shown(part);
    })
    .join("");
  return line.length <= width ? line : line.slice(0, width - ELLIPSIS.length) + ELLIPSIS;
}

/** `text` within `width` characters, cut as a decision's values are. */
export function fitLine(text: string, width: number): string {
  return render([value(text)], width);
}

/** One decision as a line; a skip reads "skipped: <reason>", or just the reason in a warning. */
export function formatDecision(decision: Decision, rendering: Rendering): string {
  const parts: Part[] = TEMPLATES[decision.code](decision);
  if (decision.kind === "skipped" && !rendering.warning) parts.unshift("skipped: ");
  return render(parts, rendering.width);
}

/** The decisions as --explain prints them and the log line records them. */
export function explain(decisions: Decision[]): string[] {
  return decisions.map((decision) => formatDecision(decision, { width: LINE_WIDTH }));
}
