// npm run bench:blocking: how long one review body can hold meshtune's event loop. Bodies up to
// INLINE_BODY_BYTES are planned on it; for each hostile shape at that size (the worst case the
// event loop sees: larger bodies go to the review thread), the time to parse, validate, plan and
// serialise the answer. Prints PASS or FAIL against 20 ms and exits 1 on FAIL.
import { fileURLToPath } from "node:url";
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { podCreationReview } from "../src/admission/request.js";
import { loadConfig } from "../src/config/load.js";
import { INLINE_BODY_BYTES } from "../src/server/limits.js";
import { answerReview } from "../src/server/review-answer.js";
import { HttpError } from "../src/server/status.js";
import { InvalidReviewError } from "../src/admission/validate.js";

const LIMIT_MS = 20;
const RUNS = 15;
const gpu = { limits: { "nvidia.com/gpu": "1" } };
const vllm = (extra: Partial<V1Container> = {}): V1Container => ({
  name: "vllm",
  image: "vllm/vllm-openai:v0.11.0",
  resources: gpu,
  ...extra,
});
const pod = (spec: Partial<V1Pod["spec"]>, annotations: Record<string, string> = {}): V1Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { namespace: "inference", annotations },
  spec: { containers: [vllm()], ...spec },
});

/** Pods built to cost the most per byte in some part of planning, `n` repeating their unit. */
const SHAPES: Record<string, (n: number) => V1Pod> = {
  "empty containers": (n) =>
    pod({ containers: Array.from({ length: n }, () => ({}) as V1Container) }),
  "GPU containers": (n) =>
    pod({ containers: Array.from({ length: n }, (_, i) => vllm({ name: `c${i}` })) }),
  "args words": (n) => pod({ containers: [vllm({ args: ["x ".repeat(n)] })] }),
  "args entries": (n) =>
    pod({ containers: [vllm({ args: Array.from({ length: n }, () => "a b") })] }),
  "env entries": (n) =>
    pod({
      containers: [
        vllm({ env: Array.from({ length: n }, (_, i) => ({ name: `E${i}`, value: "v" })) }),
      ],
    }),
  "resource names": (n) =>
    pod({
      containers: [
        vllm({
          resources: {
            limits: Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${i}/x`, "1"])),
          },
        }),
      ],
    }),
  annotations: (n) =>
    pod({}, Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, "v"]))),
  // A YAML proxy config at its limit (the yaml parser's most costly shape), with empty containers
  // filling the rest of the body.
  "YAML proxy config + containers": (n) =>
    pod(
      { containers: [vllm(), ...Array.from({ length: n }, () => ({}) as V1Container)] },
      { "proxy.istio.io/config": `[${"1,".repeat(1020)}1]` },
    ),
  "deep JSON warmup annotation": (n) =>
    pod(
      {},
      {
        "meshtune.dev/warmup":
          '{"path":"/p","body":' +
          "[".repeat(Math.min(n, 4000)) +
          "]".repeat(Math.min(n, 4000)) +
          "}",
      },
    ),
};

/**
 * The review of the largest `n` that stays within `bytes`; a shape whose unit stops growing (an
 * annotation at meshtune's limit for it) is padded up to `bytes` with a plain annotation.
 */
function fit(make: (n: number) => V1Pod, bytes: number): string {
  const text = (n: number) => JSON.stringify(podCreationReview(make(n), { uid: "bench" }));
  let low = 1;
  let high = 2;
  while (text(high).length <= bytes) {
    if (text(high).length === text(high / 2).length) return padded(make(high), bytes);
    high *= 2;
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (text(middle).length <= bytes) low = middle;
    else high = middle;
  }
  return text(low);
}

function padded(shape: V1Pod, bytes: number): string {
  const review = podCreationReview(shape, { uid: "bench" });
  const room = bytes - JSON.stringify(review).length - 40;
  shape.metadata!.annotations!["example.com/padding"] = "x".repeat(Math.max(0, room));
  return JSON.stringify(review);
}

/** The wall-clock time one body takes to answer, in ms: the time it holds the event loop. */
function blockMs(text: string, config: ReturnType<typeof loadConfig>): number {
  const started = performance.now();
  try {
    JSON.stringify(answerReview(text, config).answer);
  } catch (error) {
    if (!(error instanceof HttpError || error instanceof InvalidReviewError)) throw error;
  }
  return performance.now() - started;
}

// Compiled into dist-bench/bench/: the shipped config is two levels up, as in bench/main.ts.
const config = loadConfig(fileURLToPath(new URL("../../config/meshtune.yaml", import.meta.url)));
const WARMUP = 5;
console.log(
  `event-loop time to answer one ${INLINE_BODY_BYTES / 1024} KiB body (the most planned on the event loop), ${RUNS} runs after ${WARMUP}:`,
);
let slowest = { shape: "", ms: 0 };
for (const [shape, make] of Object.entries(SHAPES)) {
  const text = fit(make, INLINE_BODY_BYTES);
  // The first runs compile the code; the median of the rest is what the body itself costs, and
  // the worst adds what the machine's other work and the garbage collector add to any code.
  const times = Array.from({ length: WARMUP + RUNS }, () => blockMs(text, config))
    .slice(WARMUP)
    .sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `  ${shape.padEnd(32)} median ${median.toFixed(2)} ms, worst ${times.at(-1)!.toFixed(2)} ms`,
  );
  if (median > slowest.ms) slowest = { shape, ms: median };
}
const pass = slowest.ms <= LIMIT_MS;
console.log(
  `${pass ? "PASS" : "FAIL"}  no body under the size limit holds the event loop over ${LIMIT_MS} ms: the most costly takes ${slowest.ms.toFixed(2)} ms (${slowest.shape}, median)`,
);
process.exitCode = pass ? 0 : 1;
