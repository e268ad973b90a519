import fc from "fast-check";
import fastJsonPatch, { type Operation } from "fast-json-patch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { InvalidReviewError } from "../../src/admission/validate.js";
import { loadConfig } from "../../src/config/load.js";
import { send } from "../../src/cli/https-client.js";
import { INLINE_BODY_BYTES } from "../../src/server/limits.js";
import { answerReview } from "../../src/server/review-answer.js";
import { HttpError } from "../../src/server/status.js";
import { fixturePod, MODEL_SERVER_FIXTURES } from "../fixtures/load.js";
import { fuzz, fuzzAsync, FUZZ_TIMEOUT_MS } from "../fuzz.js";
import { startHarness, type Harness } from "./harness.js";

const config = loadConfig();
type Json = Record<string, unknown>;

const reviews = MODEL_SERVER_FIXTURES.map(
  (name) => podCreationReview(fixturePod(name), { uid: `fuzz-${name}` }) as unknown as Json,
);

/** Every path in `value` (objects and lists), as key lists. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [index, item] as const)
    : Object.entries(value);
  return entries.flatMap(([key, item]) => [[...prefix, key], ...paths(item, [...prefix, key])]);
}

const reviewPaths = reviews.map((review) => paths(review));

/**
 * Values that break assumptions, as JSON text (too deep for JSON.stringify to write): wrong
 * types, deep nesting, huge strings, odd numbers.
 */
const hostileJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? "null"),
  fc.constantFrom(
    "null",
    '""',
    "0",
    "-1",
    "1e308",
    "true",
    "[]",
    "{}",
    '"8000"',
    '"0400"',
    '"\\u0000"',
  ),
  fc
    .tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean())
    .map(([depth, list]) =>
      list
        ? "[".repeat(depth) + "]".repeat(depth)
        : '{"a":'.repeat(depth) + "1" + "}".repeat(depth),
    ),
  fc.integer({ min: 1, max: 100_000 }).map((length) => `"${"x".repeat(length)}"`),
);

/** A fixture review with values at some of its paths replaced (by JSON text) or removed. */
const structuredReview = fc
  .integer({ min: 0, max: reviews.length - 1 })
  .chain((index) =>
    fc.tuple(
      fc.constant(index),
      fc.array(fc.tuple(fc.constantFrom(...reviewPaths[index]!), fc.option(hostileJson)), {
        maxLength: 5,
      }),
    ),
  )
  .map(([index, changes]) => {
    const review = structuredClone(reviews[index]!);
    const texts: string[] = [];
    for (const [path, text] of changes) {
      const parent = path
        .slice(0, -1)
        .reduce<unknown>((node, key) => (node as Json)?.[key], review);
      if (parent === null || typeof parent !== "object") continue;
      const key = path[path.length - 1]!;
      if (text === null) {
        delete (parent as Json)[key];
      } else {
        (parent as Json)[key] = `@@raw-${texts.length}@@`;
        texts.push(text);
      }
    }
    return JSON.stringify(review).replace(/"@@raw-(\d+)@@"/g, (_, i: string) => texts[Number(i)]!);
  });

/** Byte-level damage to a review's text: flipped, inserted, deleted and cut bytes. */
const damagedReview = fc
  .tuple(
    fc.constantFrom(...reviews.map((review) => Buffer.from(JSON.stringify(review)))),
    fc.array(
      fc.record({
        at: fc.nat(),
        kind: fc.constantFrom("flip", "insert", "delete", "cut"),
        byte: fc.nat(255),
      }),
      { maxLength: 6 },
    ),
  )
  .map(([original, damage]) => {
    let bytes = Buffer.from(original);
    for (const { at, kind, byte } of damage) {
      const index = at % (bytes.length + 1);
      if (kind === "flip" && index < bytes.length) bytes[index] = byte;
      if (kind === "insert")
        bytes = Buffer.concat([
          bytes.subarray(0, index),
          Buffer.from([byte]),
          bytes.subarray(index),
        ]);
      if (kind === "delete")
        bytes = Buffer.concat([bytes.subarray(0, index), bytes.subarray(index + 1)]);
      if (kind === "cut") bytes = bytes.subarray(0, index);
    }
    return bytes;
  });

const rawBody = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? "")) },
  { weight: 3, arbitrary: damagedReview },
  { weight: 5, arbitrary: structuredReview.map((text) => Buffer.from(text)) },
);

/**
 * The answer to any body is a refusal meshtune meant (HttpError, InvalidReviewError), or an
 * AdmissionReview that echoes the uid, carries a patch that applies, and never comes from an
 * internal error: a pod that passes validation is always planned.
 */
function answersSoundly(bytes: Buffer): void {
  const text = bytes.toString("utf8");
  let answered;
  try {
    answered = answerReview(text, config);
  } catch (error) {
    if (error instanceof HttpError || error instanceof InvalidReviewError) return;
    throw error;
  }
  const { request } = JSON.parse(text) as { request: { uid: string; object: unknown } };
  const { response } = answered.answer;
  expect(answered.summary.error).toBeUndefined();
  expect(response.uid).toBe(request.uid);
  if (response.patch !== undefined) {
    const patch = JSON.parse(Buffer.from(response.patch, "base64").toString("utf8")) as Operation[];
    // Applied in place to a fresh parse: the object may nest too deeply for structuredClone.
    fastJsonPatch.applyPatch(request.object, patch, true, true);
  }
  expect(typeof JSON.stringify(answered.answer)).toBe("string");
}

describe("fuzzing raw AdmissionReview bytes", () => {
  it("answers any body soundly or refuses it, in process", { timeout: FUZZ_TIMEOUT_MS }, () => {
    expect(fuzz("raw review bytes", fc.property(rawBody, answersSoundly))).toBeGreaterThan(0);
  });

  describe("over real TLS, small and large bodies (the review thread)", () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startHarness();
    });
    afterAll(() => harness.server.shutdown());

    const padded = structuredReview.chain((text) =>
      fc.oneof(
        fc.constant(text),
        fc.constant(text.replace(/^\{/, `{"padding":"${"x".repeat(INLINE_BODY_BYTES)}",`)),
      ),
    );

    it(
      "answers every body with a JSON answer, and stays up",
      { timeout: FUZZ_TIMEOUT_MS },
      async () => {
        const runs = await fuzzAsync(
          "review bodies over TLS",
          fc.asyncProperty(padded, async (body) => {
            const response = await send(`${harness.url}/mutate`, {
              ca: harness.ca,
              headers: {
                "Content-Type": "application/json",
                "Content-Length": Buffer.byteLength(body),
              },
              body,
            });
            expect([200, 400, 413, 429]).toContain(response.status);
            const answer = JSON.parse(response.body) as { kind: string };
            expect(answer.kind).toBe(response.status === 200 ? "AdmissionReview" : "Status");
          }),
        );
        expect(runs).toBeGreaterThan(0);
      },
    );
  });
});
