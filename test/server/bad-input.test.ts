import { request } from "node:https";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { MAX_BODY_BYTES } from "../../src/server/limits.js";
import { type ClientResponse, send, postJson } from "../../src/cli/https-client.js";
import { fixturePod } from "../fixtures/load.js";
import { metricValue, scrape, startHarness, type Harness } from "./harness.js";
import { brokenPod } from "../admission/broken-pod.js";

let harness: Harness;
let mutateUrl: string;

beforeAll(async () => {
  harness = await startHarness();
  mutateUrl = `${harness.url}/mutate`;
});
afterAll(() => harness.server.shutdown());

const vllm = () =>
  podCreationReview(fixturePod("vllm-deployment"), { uid: "b7e0c1d2-0000-4000-8000-000000000001" });
const post = (body: unknown) => postJson(mutateUrl, body, { ca: harness.ca });

function expectStatus(response: ClientResponse, code: number, message: string): void {
  expect(response.status).toBe(code);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  expect(JSON.parse(response.body)).toEqual({
    apiVersion: "v1",
    kind: "Status",
    status: "Failure",
    code,
    message,
  });
}

/** Sends the headers and `chunks` of a body, never ending it, and resolves with the first answer. */
function sendUnfinished(
  headers: Record<string, string | number>,
  chunk: Buffer,
  keepWriting: boolean,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      mutateUrl,
      { method: "POST", headers, ca: harness.ca, agent: false },
      (res) => {
        answered = true;
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      },
    );
    let answered = false;
    let written = 0;
    const write = () => {
      while (!answered && written < 4 * MAX_BODY_BYTES) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", write);
        if (!keepWriting) return;
      }
    };
    req.on("error", (error) => (answered ? undefined : reject(error)));
    write();
  });
}

describe("bodies meshtune cannot read", () => {
  it("answers 400 to a body that is not JSON", async () => {
    expectStatus(
      await post("{ this is not json"),
      400,
      expect.stringMatching(/^the body is not valid JSON: /),
    );
  });

  it("never repeats the body in its answer: it may hold a pod's secrets", async () => {
    const answer = await post('{"request": {"object": {"env": hunter2-secret"}}}');
    expect(JSON.stringify(answer)).not.toContain("hunter2");
    expect(answer.status).toBe(400);
  });

  it("answers 400 to an empty body", async () => {
    expectStatus(await post(""), 400, "the body is empty; send an AdmissionReview as JSON");
  });

  it("answers 415 to a body that is not declared as JSON", async () => {
    const body = JSON.stringify(vllm());
    expectStatus(
      await send(mutateUrl, {
        ca: harness.ca,
        headers: { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(body) },
        body,
      }),
      415,
      'Content-Type must be application/json; it is "text/plain"',
    );
    expectStatus(
      await send(mutateUrl, {
        ca: harness.ca,
        headers: { "Content-Length": Buffer.byteLength(body) },
        body,
      }),
      415,
      "Content-Type must be application/json; it is missing",
    );
  });

  it("accepts JSON with a charset", async () => {
    const response = await postJson(mutateUrl, vllm(), {
      ca: harness.ca,
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
    expect(response.status).toBe(200);
  });

  it("answers 413 as soon as a body declared over 4 MiB starts, without waiting for it", async () => {
    const headers = { "Content-Type": "application/json", "Content-Length": MAX_BODY_BYTES + 1 };
    await expect(sendUnfinished(headers, Buffer.alloc(1024, " "), false)).resolves.toBe(413);
  });

  it("answers 413 once a streamed body of unknown length passes 4 MiB", async () => {
    const headers = { "Content-Type": "application/json", "Transfer-Encoding": "chunked" };
    await expect(sendUnfinished(headers, Buffer.alloc(64 * 1024, " "), true)).resolves.toBe(413);
  });

  it("says how large a declared body was", async () => {
    const body = Buffer.alloc(MAX_BODY_BYTES + 10, " ");
    expectStatus(
      await send(mutateUrl, {
        ca: harness.ca,
        headers: { "Content-Type": "application/json", "Content-Length": body.length },
        body,
      }),
      413,
      `the body is ${MAX_BODY_BYTES + 10} bytes, over the limit of ${MAX_BODY_BYTES} bytes; an AdmissionReview is never this large`,
    );
  });

  it("reads a body just under the limit", async () => {
    const review = vllm();
    const padding = MAX_BODY_BYTES - JSON.stringify(review).length - 100;
    const padded = {
      ...review,
      request: {
        ...review.request,
        object: { ...(review.request.object as V1Pod), padding: "x".repeat(padding) },
      },
    };
    const response = await post(padded);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).response.patchType).toBe("JSONPatch");
  });
});

describe("JSON that is not an AdmissionReview meshtune can answer", () => {
  const review = vllm();
  it.each([
    ["no request", { ...review, request: undefined }, "request must be an object; it is missing"],
    [
      "no uid",
      { ...review, request: { ...review.request, uid: undefined } },
      "request.uid must be a non-empty string; it is missing",
    ],
    [
      "no object",
      { ...review, request: { ...review.request, object: undefined } },
      "request.object must be the object being admitted; it is missing",
    ],
    [
      "the wrong kind",
      { ...review, kind: "SubjectAccessReview" },
      'kind must be "AdmissionReview"; it is "SubjectAccessReview"',
    ],
    [
      "the wrong apiVersion",
      { ...review, apiVersion: "admission.k8s.io/v1alpha1" },
      'apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1; it is "admission.k8s.io/v1alpha1"',
    ],
  ])("answers 400 to a review with %s, saying so", async (_what, body, message) => {
    expectStatus(await post(body), 400, message);
  });

  it("answers 405 to anything but POST on /mutate, and 404 elsewhere", async () => {
    const get = await send(mutateUrl, { method: "GET", ca: harness.ca });
    expectStatus(get, 405, "/mutate takes POST with an AdmissionReview");
    expect(get.headers.allow).toBe("POST");
    expectStatus(
      await send(`${harness.url}/validate`, { method: "POST", ca: harness.ca }),
      404,
      "nothing at POST /validate; the webhook paths are POST /mutate and POST /mutate/ambient",
    );
  });

  it("counts refused requests as invalid", async () => {
    const before =
      metricValue(await scrape(harness), "meshtune_admission_requests_total", {
        outcome: "invalid",
      }) ?? 0;
    await post({ kind: "AdmissionReview" });
    expect(
      metricValue(await scrape(harness), "meshtune_admission_requests_total", {
        outcome: "invalid",
      }),
    ).toBe(before + 1);
  });
});

describe("reviews meshtune answers without a patch", () => {
  it("answers a v1beta1 review in v1beta1", async () => {
    const response = await post({ ...vllm(), apiVersion: "admission.k8s.io/v1beta1" });
    const answer = JSON.parse(response.body);
    expect(answer).toMatchObject({
      apiVersion: "admission.k8s.io/v1beta1",
      kind: "AdmissionReview",
      response: { uid: vllm().request.uid, allowed: true, patchType: "JSONPatch" },
    });
  });

  it.each([
    [
      "a Deployment",
      {
        kind: { group: "apps", version: "v1", kind: "Deployment" },
        resource: { group: "apps", version: "v1", resource: "deployments" },
      },
    ],
    ["a pod UPDATE", { operation: "UPDATE", oldObject: fixturePod("vllm-deployment") }],
  ])("allows %s untouched", async (_what, change) => {
    const review = vllm();
    const response = await post({ ...review, request: { ...review.request, ...change } });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it("gives a dry run the same answer, marked in the log and the metrics", async () => {
    const pod = fixturePod("tgi-statefulset");
    const real = JSON.parse(
      (await post(podCreationReview(pod, { uid: "tgi-real" }))).body,
    ).response;
    const dry = JSON.parse(
      (await post(podCreationReview(pod, { uid: "tgi-dry", dryRun: true }))).body,
    ).response;
    expect({ ...dry, uid: "tgi-real" }).toEqual(real);
    expect(harness.logs.find((line) => line.uid === "tgi-dry")).toMatchObject({
      msg: "review",
      dryRun: true,
    });
    expect(
      metricValue(await scrape(harness), "meshtune_admission_requests_total", {
        outcome: "patched",
        dry_run: "true",
      }),
    ).toBe(1);
  });
});

describe("a pod no apiserver would send", () => {
  // The apiserver decodes a pod into its typed form before it calls webhooks; anything else that
  // reaches the port is refused before planning, naming the first field that is wrong.
  it.each([
    [brokenPod, "request.object.spec.containers[0] is null, not a mapping"],
    [
      { ...fixturePod("vllm-deployment"), metadata: { labels: { tier: 1 } } },
      "request.object.metadata.labels.tier is the number 1, not a string",
    ],
  ])("is refused with 400, naming the field", async (pod, problem) => {
    expectStatus(
      await post(podCreationReview(pod as V1Pod, { uid: "odd-pod" })),
      400,
      `${problem}; the apiserver never sends such a pod`,
    );
  });
});
