import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admit } from "../../../src/admission/admit.js";
import { loadConfig } from "../../../src/config/load.js";
import { applied } from "../../apply-patch.js";
import { compileMeshtune } from "../../build-meshtune.js";
import { loopbackCerts, tlsDirectory } from "../harness.js";
import {
  idleConnections,
  invalidUtf8,
  junkBodies,
  manyHeaders,
  nestedAnnotations,
  resetsMidBody,
  slowBodies,
  slowHeaders,
  vllmReview,
  type Attack,
  type Tally,
  type Target,
} from "./attacks.js";
import { startContained, type ContainedServer } from "./contained-server.js";
import { makeMemoryCgroup, type MemoryCgroup } from "./memory-cgroup.js";

// The chart's memory limit (helm/meshtune/values.yaml, resources.limits.memory).
const LIMIT = 256 * 1024 * 1024;
// Generous against the apiserver's timeoutSeconds, and far below it; the machine runs other work.
const ANSWER_WITHIN_MS = 1000;
// Once every attacker is connected, the attack runs this long before the first real review.
const RAMP_MS = 1000;

const run = promisify(execFile);
const certs = loopbackCerts();
const config = loadConfig();
let build: string;
let tlsDir: string;
let cgroup: MemoryCgroup | undefined;
let server: ContainedServer;
let target: Target;
const figures: string[] = [];

beforeAll(async () => {
  build = await compileMeshtune("meshtune-hostile-");
  tlsDir = tlsDirectory(certs, "meshtune-hostile-tls-");
  cgroup = makeMemoryCgroup(LIMIT);
  server = await startContained(build, tlsDir, cgroup);
  target = { port: server.port, url: server.url, ca: certs.ca.cert };
}, 180_000);

afterAll(async () => {
  await server?.stop();
  cgroup?.remove();
  rmSync(build, { recursive: true, force: true });
  rmSync(tlsDir, { recursive: true, force: true });
  console.log(
    [
      `meshtune serve under hostile clients, ${cgroup?.version ?? "no cgroup (RSS only)"}, limit ${mb(LIMIT)}:`,
      ...figures,
    ].join("\n  "),
  );
});

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
let probes = 0;

/**
 * Sends the vLLM fixture's review with curl, a client in its own process as the apiserver is, so
 * that the attack's load on this process does not count; expects the very answer the engine gives
 * and returns curl's total time in ms.
 */
async function realReview(): Promise<number> {
  const review = vllmReview(`probe-${probes++}`);
  const reviewFile = join(tlsDir, "review.json");
  writeFileSync(reviewFile, JSON.stringify(review));
  const { stdout } = await run("curl", [
    ...["--silent", "--show-error", "--http1.1", "--max-time", "10"],
    ...["--cacert", join(tlsDir, "ca.crt"), "--header", "Content-Type: application/json"],
    ...["--data-binary", `@${reviewFile}`, "--write-out", "\n%{http_code} %{time_total}"],
    `${target.url}/mutate`,
  ]);
  const lastLine = stdout.lastIndexOf("\n");
  const [status, seconds] = stdout.slice(lastLine + 1).split(" ");
  expect(status).toBe("200");
  const { response: answer } = JSON.parse(stdout.slice(0, lastLine)) as {
    response: { patch: string; uid: string };
  };
  expect(answer).toEqual(admit(review, config).review.response);
  const tuned = applied(
    review.request.object as V1Pod,
    JSON.parse(Buffer.from(answer.patch, "base64").toString("utf8")),
  );
  expect(tuned.metadata?.annotations?.["meshtune.dev/applied"]).toBe("gpu-inference");
  return Number(seconds) * 1000;
}

async function endure(name: string, start: () => Attack | Promise<Attack>): Promise<Tally> {
  cgroup?.resetPeak();
  server.resetPeakRss();
  const attack = await start();
  await attack.ready;
  await new Promise((resolve) => setTimeout(resolve, RAMP_MS));
  const during: number[] = [];
  for (let probe = 0; probe < 3; probe++) during.push(await realReview());
  const tally = await attack.stop();
  const after = await realReview();
  const peak = cgroup?.peakBytes();
  figures.push(
    `${name}: peak RSS ${mb(server.peakRss())}${peak === undefined ? "" : `, cgroup peak ${mb(peak)}`}; ` +
      `real review ${during.map((ms) => ms.toFixed(0)).join("/")} ms during, ${after.toFixed(0)} ms after; ` +
      `attack outcomes ${JSON.stringify(tally)}`,
  );
  expect(server.alive()).toBe(true);
  expect(server.peakRss()).toBeLessThan(LIMIT);
  if (cgroup) {
    expect(cgroup.oomKills()).toBe(0);
    expect(peak).toBeLessThan(LIMIT);
  }
  expect(Math.max(...during, after)).toBeLessThan(ANSWER_WITHIN_MS);
  return tally;
}

describe.sequential("meshtune serve, in the chart's 256 MiB, under hostile clients", () => {
  const survives =
    "stays alive and under its memory limit, answering a real vLLM review within 1 s during and after";

  it(`nested and huge annotations, objects and lists: ${survives}`, async () => {
    const tally = await endure("nested annotations", () => nestedAnnotations(target, 16));
    expect(tally["200"]).toBeGreaterThan(0);
  });

  it(`100 concurrent bodies of junk at the size limit: ${survives}`, async () => {
    const tally = await endure("100 junk bodies at 4 MiB", () => junkBodies(target, 100));
    expect(
      Object.keys(tally).every((outcome) => ["400", "413", "429", "503"].includes(outcome)),
    ).toBe(true);
  });

  it(`slow headers: ${survives}`, async () => {
    await endure("500 slow headers", () => slowHeaders(target, 500));
  });

  it(`slow bodies: ${survives}`, async () => {
    await endure("500 slow bodies", () => slowBodies(target, 500));
  });

  it(`10,000 idle TLS connections: ${survives}`, async () => {
    const tally = await endure("10,000 idle TLS connections", () =>
      idleConnections(target, 10_000),
    );
    expect(tally.opened! + tally.failed!).toBe(10_000);
  }, 120_000);

  it(`resets in the middle of a body: ${survives}`, async () => {
    await endure("resets mid-body", () => resetsMidBody(target, 32));
  });

  it(`invalid UTF-8 in bodies and headers: ${survives}`, async () => {
    const tally = await endure("invalid UTF-8", () => invalidUtf8(target, 16));
    expect(Object.keys(tally).every((outcome) => ["200", "400"].includes(outcome))).toBe(true);
  });

  it(`thousands of headers: ${survives}`, async () => {
    const tally = await endure("thousands of headers", () => manyHeaders(target, 16));
    expect(tally["431"]).toBeGreaterThan(0);
    expect(tally["200"]).toBeGreaterThan(0);
  });
});
