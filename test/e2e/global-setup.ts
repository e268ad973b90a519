import { rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { compileMeshtune } from "../build-meshtune.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A directory holding meshtune compiled from src/ for this run; cli/main.js is the CLI. */
    meshtuneBuild: string;
  }
}

// meshtune runs in the e2e suite as users run it, `node cli/main.js serve`, compiled once per run.
export default async function setup(project: TestProject): Promise<() => void> {
  const build = await compileMeshtune("meshtune-e2e-build-");
  project.provide("meshtuneBuild", build);
  return () => rmSync(build, { recursive: true, force: true });
}
