import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deployment } from "./objects.js";
import { helmTemplate, KUSTOMIZE_BASE, REPO } from "./render.js";

// No container engine runs here, so the image is not built in the tests; they check what the
// Dockerfile promises against the repository and the manifests that run the image.

interface Instruction {
  keyword: string;
  args: string;
}

const instructions: Instruction[] = readFileSync(join(KUSTOMIZE_BASE, "Dockerfile"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
  .map((line) => {
    const [keyword = "", ...rest] = line.trim().split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
  });

const stages = instructions.reduce<Instruction[][]>((all, instruction) => {
  if (instruction.keyword === "FROM") all.push([]);
  all.at(-1)?.push(instruction);
  return all;
}, []);
const final = stages.at(-1) ?? [];
const packageJson = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

describe("the container image (webhook/Dockerfile)", () => {
  it("builds in separate stages and runs from a distroless Node base with no shell", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(final[0]?.args).toMatch(/^gcr\.io\/distroless\/nodejs20-debian12:nonroot$/);
    expect(final.filter((instruction) => instruction.keyword === "RUN")).toEqual([]);
    expect(
      instructions
        .filter((instruction) => instruction.keyword === "RUN")
        .map((instruction) => instruction.args),
    ).toContain("npm run build");
    expect(packageJson.scripts.build).toBeDefined();
  });

  it("runs as the non-root user the manifests expect, so runAsNonRoot holds", () => {
    const user = final.filter((instruction) => instruction.keyword === "USER").at(-1)?.args;
    const runAsUser = deployment(helmTemplate()).spec?.template.spec?.securityContext?.runAsUser;
    expect(user).toBe(`${runAsUser}:${runAsUser}`);
    expect(runAsUser).not.toBe(0);
  });

  it("starts meshtune's CLI, with the arguments the Deployment passes", () => {
    const entrypoint = JSON.parse(
      final.find((instruction) => instruction.keyword === "ENTRYPOINT")?.args ?? "[]",
    ) as string[];
    expect(entrypoint).toEqual([
      "/nodejs/bin/node",
      "--max-semi-space-size=8",
      `/app/${packageJson.bin.meshtune?.replace(/^\.\//, "")}`,
    ]);
    expect(deployment(helmTemplate()).spec?.template.spec?.containers[0]?.args?.[0]).toBe("serve");
  });

  it("copies only files that exist and that its ignore file sends to the build", () => {
    const ignore = readFileSync(join(KUSTOMIZE_BASE, "Dockerfile.dockerignore"), "utf8");
    const sent = ignore
      .split("\n")
      .filter((line) => line.startsWith("!"))
      .map((line) => line.slice(1).replace(/\/$/, ""));
    const copied = instructions
      .filter(
        (instruction) => instruction.keyword === "COPY" && !instruction.args.startsWith("--from"),
      )
      .flatMap((instruction) => instruction.args.split(/\s+/).slice(0, -1));
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied) {
      expect(existsSync(join(REPO, source)), source).toBe(true);
      expect(sent, source).toContain(source);
    }
  });
});
