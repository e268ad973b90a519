import { describe, expect, it } from "vitest";
import { admissionWarning, MAX_WARNING_LENGTH } from "../../src/admission/warnings.js";
import { explain, formatDecision, LINE_WIDTH, type Decision } from "../../src/policy/decision.js";

const keptImage: Decision = {
  kind: "kept",
  code: "kept-value",
  key: "sidecar.istio.io/proxyImage",
  theirs: "docker.io/istio/proxyv2:1.27.3-distroless@sha256:" + "a".repeat(64),
  ours: "docker.io/istio/proxyv2:1.28.4",
};

// The lifecycle lines with the longest values the shipped config and the operators' labels give:
// each must reach kubectl whole, as it explains a mode or a cut.
const LIFECYCLE_LINES: Decision[] = [
  {
    kind: "note",
    code: "batch-native",
    key: "jobset.sigs.k8s.io/jobset-name",
    theirs: "qwen-sft",
  },
  {
    kind: "note",
    code: "batch-classic",
    key: "training.kubeflow.org/job-name",
    theirs: "llama-ft",
  },
  {
    kind: "note",
    code: "sidecar-native",
    detail: "Linkerd",
    container: "linkerd-proxy",
    ours: "proxy-await",
  },
  {
    kind: "note",
    code: "sidecar-classic",
    detail: "Istio",
    container: "istio-proxy",
    ours: "holdApplicationUntilProxyStarts",
  },
  {
    kind: "note",
    code: "sidecar-mesh-default",
    detail: "Istio",
    ours: "1.27+: native where every kubelet is 1.33 or newer, else classic",
  },
  { kind: "note", code: "ambient-pod", key: "istio.io/dataplane-mode", detail: "namespace" },
  {
    kind: "note",
    code: "wait-blocks-native",
    key: "config.alpha.linkerd.io/proxy-wait-before-exit-seconds",
    theirs: "30",
  },
  {
    kind: "note",
    code: "native-with-wait",
    key: "config.alpha.linkerd.io/proxy-wait-before-exit-seconds",
    theirs: "30",
  },
  { kind: "kept", code: "kept-grace-period", theirs: "60", ours: "320", detail: "55" },
  { kind: "note", code: "grace-period-not-raised", detail: "25" },
  {
    kind: "set",
    code: "set-grace-period",
    ours: "320",
    theirs: "30",
    detail: "a 5s pause, 300s streams and a 15s margin",
  },
  { kind: "set", code: "set-pre-stop", container: "kserve-container", ours: "sleep 5s" },
];

describe("decisions as lines", () => {
  it.each(LIFECYCLE_LINES.map((line) => [line.code, line] as const))(
    "tell %s whole within a kubectl warning",
    (_code, line) => {
      const warning = admissionWarning(line);
      expect(warning.length).toBeLessThanOrEqual(MAX_WARNING_LENGTH);
      expect(warning).not.toContain("...");
    },
  );

  it("say what was kept, whose value it was and what meshtune would have set", () => {
    const short: Decision = { ...keptImage, theirs: "docker.io/istio/proxyv2:1.27.3" };
    expect(explain([short])).toEqual([
      'kept sidecar.istio.io/proxyImage="docker.io/istio/proxyv2:1.27.3" set by the pod (meshtune: "docker.io/istio/proxyv2:1.28.4")',
    ]);
  });

  it("fit a warning in 120 characters by shortening the values, never the key", () => {
    const warning = admissionWarning(keptImage);
    expect(warning.length).toBeLessThanOrEqual(MAX_WARNING_LENGTH);
    expect(warning).toMatch(
      /^meshtune: kept sidecar\.istio\.io\/proxyImage="docker\.io\/istio\/prox[^"]*\.\.\." set by the pod \(meshtune: "docker\.io\/istio\/pro[^"]*"\)$/,
    );
  });

  it("give the shorter value all it needs when the other leaves room", () => {
    const warning = admissionWarning({ ...keptImage, ours: "proxyv2:1.28.4" });
    expect(warning.length).toBeLessThanOrEqual(MAX_WARNING_LENGTH);
    expect(warning).toContain('(meshtune: "proxyv2:1.28.4")');
    expect(warning).toContain('="docker.io/istio/proxyv2:1.27');
  });

  it("keep whole values in --explain and log lines, up to a bound a pod cannot exceed", () => {
    const [line = ""] = explain([keptImage]);
    expect(line).toContain(keptImage.theirs);
    const huge = { ...keptImage, theirs: "x".repeat(100_000) };
    expect(formatDecision(huge, { width: LINE_WIDTH }).length).toBeLessThanOrEqual(LINE_WIDTH);
  });

  it("read a skip as skipped: <reason>, and the warning as the reason alone", () => {
    const skip: Decision = {
      kind: "skipped",
      code: "skipped-profile-off",
      key: "meshtune.dev/profile",
    };
    expect(explain([skip])).toEqual(["skipped: the pod opts out (meshtune.dev/profile: off)"]);
    expect(admissionWarning(skip)).toBe("meshtune: the pod opts out (meshtune.dev/profile: off)");
  });

  it("never put a value's line break into a warning", () => {
    const multiline: Decision = {
      kind: "kept",
      code: "kept-value",
      key: "example.com/note",
      theirs: "line1\nline2",
      ours: "x",
    };
    expect(admissionWarning(multiline)).toBe(
      'meshtune: kept example.com/note="line1\\nline2" set by the pod (meshtune: "x")',
    );
  });
});
