import type { V1Pod } from "@kubernetes/client-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { mutatePod } from "../../src/engine.js";
import { PROXY_CONFIG_LIMITS } from "../../src/policy/meshes/istio-proxy-config.js";
import { WARMUP_ANNOTATION_LIMITS } from "../../src/policy/warmup/annotation.js";
import { applied } from "../apply-patch.js";
import { fixturePod, MODEL_SERVER_FIXTURES } from "../fixtures/load.js";
import { fuzz, FUZZ_TIMEOUT_MS } from "../fuzz.js";

const config = loadConfig();
const target = { namespace: "inference" };
const PROXY_CONFIG = "proxy.istio.io/config";
const WARMUP = "meshtune.dev/warmup";

const depth = fc.integer({ min: 1, max: 60_000 });

/** Nested, huge or odd JSON and YAML, as pods can carry in an annotation (up to 256 KiB). */
const annotationValue = fc.oneof(
  depth.map((n) => '{"a":'.repeat(n) + "1" + "}".repeat(n)),
  depth.map((n) => "[".repeat(n) + "]".repeat(n)),
  depth.map((n) => "- ".repeat(n) + "x"),
  depth.map((n) => "{a: ".repeat(n) + "b" + "}".repeat(n)),
  fc
    .integer({ min: 1, max: 200 })
    .map((n) => Array.from({ length: n }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n")),
  fc.integer({ min: 1, max: 50_000 }).map((n) => "a: b\n".repeat(n)),
  fc.integer({ min: 1, max: 12 }).map((levels) => {
    // Each level aliases the one before it four times: a billion laughs, bounded.
    const lines = ["l0: &l0 [x, x, x, x]"];
    for (let i = 1; i < levels; i++)
      lines.push(`l${i}: &l${i} [*l${i - 1}, *l${i - 1}, *l${i - 1}, *l${i - 1}]`);
    return lines.join("\n");
  }),
  fc.string({ unit: fc.constantFrom(..."{}[]:,-?&*!|>'\"%@` \n\t#ab01.~<"), maxLength: 3000 }),
  fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value) ?? ""),
  fc.constantFrom(
    '{"concurrency":4}',
    "terminationDrainDuration: 30s\nconcurrency: 010\n",
    '{"port":8080,"health":"/healthz","path":"/v1/models"}',
    "holdApplicationUntilProxyStarts: yes",
  ),
);

const podWithAnnotations = fc
  .record({
    fixture: fc.constantFrom(...MODEL_SERVER_FIXTURES),
    proxyConfig: fc.option(annotationValue, { nil: undefined }),
    warmup: fc.option(annotationValue, { nil: undefined }),
  })
  .map(({ fixture, proxyConfig, warmup }) => {
    const pod = fixturePod(fixture);
    pod.metadata!.annotations = {
      ...pod.metadata!.annotations,
      ...(proxyConfig === undefined ? {} : { [PROXY_CONFIG]: proxyConfig }),
      ...(warmup === undefined ? {} : { [WARMUP]: warmup }),
    };
    return pod;
  });

const overLimit = (text: string | undefined, maxBytes: number) =>
  text !== undefined && Buffer.byteLength(text) > maxBytes;

/**
 * Planning never throws, its patch applies, planning the patched pod changes nothing more, and
 * an annotation over meshtune's limits is never rewritten.
 */
function plansSoundly(pod: V1Pod): void {
  const { patch } = mutatePod(pod, target, config);
  const tuned = applied(pod, patch);
  expect(mutatePod(tuned, target, config).patch).toEqual([]);
  const annotations = pod.metadata?.annotations ?? {};
  if (overLimit(annotations[PROXY_CONFIG], PROXY_CONFIG_LIMITS.maxBytes)) {
    expect(tuned.metadata?.annotations?.[PROXY_CONFIG]).toBe(annotations[PROXY_CONFIG]);
  }
  if (overLimit(annotations[WARMUP], WARMUP_ANNOTATION_LIMITS.maxBytes)) {
    expect(tuned.spec?.containers.some((container) => container.lifecycle?.postStart)).toBe(
      pod.spec?.containers.some((container) => container.lifecycle?.postStart),
    );
  }
}

describe("fuzzing pods whose annotations carry nested or huge JSON and YAML", () => {
  it(
    "plans each soundly, never rewriting what is over the limits",
    { timeout: FUZZ_TIMEOUT_MS },
    () => {
      expect(
        fuzz("nested and huge annotations", fc.property(podWithAnnotations, plansSoundly)),
      ).toBeGreaterThan(0);
    },
  );
});
