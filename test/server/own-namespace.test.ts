import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { postReview } from "../../src/cli/https-client.js";
import { INLINE_BODY_BYTES } from "../../src/server/limits.js";
import { fixturePod } from "../fixtures/load.js";
import {
  eventually,
  SHIPPED_CONFIG,
  startHarness,
  writeMountedVolume,
  type Harness,
} from "./harness.js";

// A config that forgets meshtune's namespace, as a user's own config may.
const FORGETFUL = SHIPPED_CONFIG.replace(
  "excludedNamespaces: [kube-system, meshtune]",
  "excludedNamespaces: [kube-system]",
);

let harness: Harness;
beforeAll(async () => {
  expect(FORGETFUL).not.toBe(SHIPPED_CONFIG);
  harness = await startHarness({
    config: FORGETFUL,
    ownNamespace: "gpu-platform",
    watchIntervalMs: 250,
  });
});
afterAll(() => harness.server.shutdown());

/** Whether a vLLM pod created in `namespace` is patched; `large` sends it to the review thread. */
async function patched(namespace: string, large = false): Promise<boolean> {
  const pod = fixturePod("vllm-deployment");
  pod.metadata!.namespace = namespace;
  if (large) pod.metadata!.annotations = { "example.com/padding": "x".repeat(INLINE_BODY_BYTES) };
  const { response } = await postReview(`${harness.url}/mutate`, podCreationReview(pod), {
    ca: harness.ca,
  });
  return response.patch !== undefined;
}

describe("meshtune's own namespace", () => {
  it("is never changed, even when the config does not exclude it", async () => {
    expect(await patched("gpu-platform")).toBe(false);
    expect(await patched("inference")).toBe(true);
  });

  it("is never changed when its review is large enough for the review thread", async () => {
    expect(await patched("gpu-platform", true)).toBe(false);
    expect(await patched("inference", true)).toBe(true);
  });

  it("stays excluded after the config is reloaded", async () => {
    writeMountedVolume(harness.configDir, { "meshtune.yaml": `${FORGETFUL}\n# edited\n` });
    await eventually(() =>
      expect(harness.logs.some((line) => line.msg === "config reloaded")).toBe(true),
    );
    expect(await patched("gpu-platform")).toBe(false);
  });
});
