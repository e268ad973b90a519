import type { Operation } from "fast-json-patch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { postReview } from "../../src/cli/https-client.js";
import { applied } from "../apply-patch.js";
import { fixturePod } from "../fixtures/load.js";
import {
  eventually,
  metricValue,
  scrape,
  SHIPPED_CONFIG,
  startHarness,
  writeMountedVolume,
  type Harness,
} from "./harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ watchIntervalMs: 250 });
});
afterAll(() => harness.server.shutdown());

/** The proxyCPU annotation meshtune gives the vLLM pod under the config in force. */
async function proxyCpu(): Promise<unknown> {
  const pod = fixturePod("vllm-deployment");
  const { response } = await postReview(`${harness.url}/mutate`, podCreationReview(pod), {
    ca: harness.ca,
  });
  const patch = JSON.parse(
    Buffer.from(response.patch ?? "", "base64").toString("utf8"),
  ) as Operation[];
  return applied(pod, patch).metadata?.annotations?.["sidecar.istio.io/proxyCPU"];
}

const withCpuRequest = (value: string) =>
  SHIPPED_CONFIG.replace("cpuRequest: 500m", `cpuRequest: ${value}`);
const mountConfig = (text: string) =>
  writeMountedVolume(harness.configDir, { "meshtune.yaml": text });
const reloads = async (result: string) =>
  metricValue(await scrape(harness), "meshtune_config_reloads_total", { result });
const refusals = () =>
  harness.logs.filter(
    (line) => line.msg === "config change refused; the previous config stays in force",
  );

describe("reloading the config file", () => {
  it("applies a valid new config, swapped in as a ConfigMap volume does, to the next review", async () => {
    expect(await proxyCpu()).toBe("500m");
    expect(withCpuRequest("750m")).not.toBe(SHIPPED_CONFIG);
    mountConfig(withCpuRequest("750m"));
    await eventually(async () => expect(await proxyCpu()).toBe("750m"));
    expect(await reloads("success")).toBe(1);
    expect(harness.logs.find((line) => line.msg === "config reloaded")).toMatchObject({
      path: harness.configPath,
      profiles: ["gpu-inference"],
    });
  });

  it.each([
    [
      "a value that fails validation",
      withCpuRequest("lots"),
      'profiles[0].sidecar.istio.cpuRequest: "lots" is not a Kubernetes quantity (e.g. 500m, 2, 1Gi)',
    ],
    ["YAML that does not parse", "profiles: [\n  - name: gpu\n    mode: [tune\n", "YAML: "],
    [
      "an unknown key",
      `${SHIPPED_CONFIG}\nwarmpu: true\n`,
      "warmpu: unknown key; check its spelling against the configuration reference",
    ],
  ])(
    "refuses %s, logs the problem, counts it and keeps the config in force",
    async (_what, text, problem) => {
      const before = (await reloads("failure")) ?? 0;
      const logged = refusals().length;
      mountConfig(text);
      await eventually(() => expect(refusals()).toHaveLength(logged + 1));
      expect(refusals()[logged]).toMatchObject({
        level: 50,
        path: harness.configPath,
        problems: expect.arrayContaining([expect.stringContaining(problem)]),
      });
      expect(await reloads("failure")).toBe(before + 1);
      expect(await proxyCpu()).toBe("750m");
    },
  );

  it("keeps the config in force when the file disappears, and takes the next valid one", async () => {
    writeMountedVolume(harness.configDir, { "other.yaml": "meshes: [istio]\n" });
    await eventually(() =>
      expect(refusals().at(-1)?.problems).toEqual([
        expect.stringMatching(/^cannot read the file: ENOENT/),
      ]),
    );
    expect(await proxyCpu()).toBe("750m");

    mountConfig(withCpuRequest("250m"));
    await eventually(async () => expect(await proxyCpu()).toBe("250m"));
    expect(await reloads("success")).toBe(2);
  });
});
