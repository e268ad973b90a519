import { defineConfig } from "vitest/config";

// The hostile-client suite runs a real `meshtune serve` under attack and times a real review
// during each attack: alone, after the other suites, so their load does not count against it.
export default defineConfig({
  test: {
    include: ["test/server/hostile/**/*.test.ts"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
