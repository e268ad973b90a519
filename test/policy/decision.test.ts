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

describe("decisions as lines", () => {
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
