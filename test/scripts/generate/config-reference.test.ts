import { describe, expect, it } from "vitest";
import { configReferenceTable } from "../../../scripts/generate/config-reference.js";

describe("the configuration reference", () => {
  const table = configReferenceTable();

  it("has a row for every key, with its default and the schema's description", () => {
    expect(table).toContain(
      "| `warmup.timeoutSeconds` | whole number | `900` | the longest one warmup may take (health wait plus warm request), 10-3600 |",
    );
  });

  it("shows the defaults a transform hides from JSON Schema, such as quantities", () => {
    expect(table).toContain("| `profiles[].sidecar.istio.cpuRequest` | quantity | `500m` |");
  });

  it("marks what a profile must give", () => {
    expect(table).toContain("| `profiles[].name` | string | required |");
  });
});
