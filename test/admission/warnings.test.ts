import { describe, expect, it } from "vitest";
import { admissionWarning, MAX_WARNING_LENGTH } from "../../src/admission/warnings.js";

describe("admission warnings", () => {
  it("attributes a line to meshtune", () => {
    expect(admissionWarning('set annotation sidecar.istio.io/proxyCPU="500m"')).toBe(
      'meshtune: set annotation sidecar.istio.io/proxyCPU="500m"',
    );
  });

  it("cuts a long line to 120 characters, ending it with an ellipsis", () => {
    const warning = admissionWarning(`kept annotation proxy.istio.io/config=${"x".repeat(200)}`);
    expect(warning).toHaveLength(MAX_WARNING_LENGTH);
    expect(warning.endsWith("...")).toBe(true);
    expect(warning.startsWith("meshtune: kept annotation proxy.istio.io/config=xxx")).toBe(true);
  });

  it("keeps a line of exactly 120 characters whole", () => {
    const line = "y".repeat(MAX_WARNING_LENGTH - "meshtune: ".length);
    expect(admissionWarning(line)).toBe(`meshtune: ${line}`);
  });

  it("turns line breaks and other control characters from user values into spaces", () => {
    expect(admissionWarning('kept annotation a="line1\nline2\r\t\u0007end"')).toBe(
      'meshtune: kept annotation a="line1 line2 end"',
    );
  });
});
