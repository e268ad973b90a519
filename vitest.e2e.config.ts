import { defineConfig } from "vitest/config";

// The e2e suite starts real kube-apiserver, etcd and meshtune processes: one file at a time, each in
// its own process, so exit handlers can stop the servers when a run is interrupted. The global setup
// compiles meshtune once for all files.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["test/e2e/global-setup.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
