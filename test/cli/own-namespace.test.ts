import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveOwnNamespace } from "../../src/cli/own-namespace.js";

function serviceAccountFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "meshtune-sa-")), "namespace");
  writeFileSync(file, text);
  return file;
}

describe("meshtune's own namespace", () => {
  it("is the one given by flag or POD_NAMESPACE first", () => {
    expect(resolveOwnNamespace("gpu-platform", serviceAccountFile("meshtune"))).toBe(
      "gpu-platform",
    );
  });

  it("is read from the service account's file when none is given", () => {
    expect(resolveOwnNamespace(undefined, serviceAccountFile("meshtune\n"))).toBe("meshtune");
    expect(resolveOwnNamespace("", serviceAccountFile("meshtune"))).toBe("meshtune");
  });

  it("is unknown outside a pod, with nothing given", () => {
    expect(resolveOwnNamespace(undefined, "/nonexistent/namespace")).toBeUndefined();
  });
});
