import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { Agent, request, type Agent as HttpsAgent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import fastJsonPatch, { type Operation } from "fast-json-patch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { podCreationReview } from "../../src/admission/request.js";
import { DEFAULT_CONFIG_PATH } from "../../src/config/load.js";
import { postReview, send } from "../../src/cli/https-client.js";
import { compileMeshtune } from "../build-meshtune.js";
import { fixturePod } from "../fixtures/load.js";
import {
  eventually,
  LOOPBACK,
  loopbackCerts,
  metricValue,
  tlsDirectory,
  type LogLine,
} from "./harness.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const certs = loopbackCerts();
let build: string;
let tlsDir: string;

// The server runs as users run it: `meshtune serve`, compiled from src/ for this file.
beforeAll(async () => {
  build = await compileMeshtune("meshtune-serve-test-");
  tlsDir = tlsDirectory(certs, "meshtune-serve-tls-");
}, 120_000);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL"); // only after a failed test
  rmSync(build, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  logs: LogLine[];
  url: string;
  metricsUrl: string;
  exited: Promise<number | null>;
}

async function serve(...flags: string[]): Promise<Served> {
  const args = [
    join(build, "cli", "main.js"),
    "serve",
    "--host",
    LOOPBACK,
    "--port",
    "0",
    "--metrics-port",
    "0",
    "--tls-dir",
    tlsDir,
    "--config",
    DEFAULT_CONFIG_PATH,
    ...flags,
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const logs: LogLine[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) =>
    logs.push(JSON.parse(line) as LogLine),
  );
  const listening = await eventually(() => {
    const line = logs.find((each) => each.msg === "listening");
    if (!line)
      throw new Error(`meshtune serve is not listening yet; logs: ${JSON.stringify(logs)}`);
    return line as LogLine & { port: number; metricsPort: number };
  });
  return {
    child,
    logs,
    exited,
    url: `https://${LOOPBACK}:${listening.port}`,
    metricsUrl: `http://${LOOPBACK}:${listening.metricsPort}`,
  };
}

interface Pending {
  uid: string;
  finish(): void;
  answer: Promise<{ status: number; connection?: string; uid?: string }>;
}

/** A review whose first half is sent now and whose second half is sent on finish(). */
function startReview(served: Served, uid: string, agent: HttpsAgent | false): Pending {
  const body = JSON.stringify(podCreationReview(fixturePod("vllm-deployment"), { uid }));
  const half = Math.floor(body.length / 2);
  let req!: ReturnType<typeof request>;
  const answer = new Promise<{ status: number; connection?: string; uid?: string }>(
    (resolve, reject) => {
      req = request(
        `${served.url}/mutate`,
        {
          method: "POST",
          ca: certs.ca.cert,
          agent,
          headers: {
            "Content-Type": "application/json",
            "Content-Length": Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              connection: res.headers.connection,
              uid: JSON.parse(text).response?.uid,
            }),
          );
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, half));
    },
  );
  return { uid, answer, finish: () => req.end(body.slice(half)) };
}

const inFlight = async (served: Served) =>
  metricValue(
    await (await fetch(`${served.metricsUrl}/metrics`)).text(),
    "meshtune_admission_in_flight_requests",
  );

describe("meshtune serve on SIGTERM", () => {
  it("stops being ready, answers every review in flight, closes idle connections and exits 0", async () => {
    const served = await serve("--shutdown-grace", "20", "--request-timeout", "20");
    const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(
      (await send(`${served.url}/healthz`, { method: "GET", ca: certs.ca.cert, agent: idleAgent }))
        .status,
    ).toBe(200);
    const idle = Object.values(idleAgent.freeSockets).flat()[0];
    expect(idle).toBeDefined();
    const idleClosed = new Promise<void>((resolve) => idle?.once("close", () => resolve()));

    const pending = Array.from({ length: 5 }, (_, index) =>
      startReview(served, `in-flight-${index}`, false),
    );
    await eventually(async () => expect(await inFlight(served)).toBe(pending.length));

    served.child.kill("SIGTERM");
    await eventually(async () => {
      const ready = await fetch(`${served.metricsUrl}/readyz`);
      expect([ready.status, await ready.text()]).toEqual([503, "shutting down\n"]);
    });
    await idleClosed;
    await expect(
      send(`${served.url}/healthz`, {
        method: "GET",
        ca: certs.ca.cert,
        agent: false,
      }),
    ).rejects.toThrow(/ECONNREFUSED/);

    for (const review of pending) review.finish();
    const answers = await Promise.all(pending.map((review) => review.answer));
    expect(answers).toEqual(pending.map(({ uid }) => ({ status: 200, connection: "close", uid })));
    expect(await served.exited).toBe(0);
    expect(served.logs.map((line) => line.msg)).toEqual(
      expect.arrayContaining(["signal received", "shut down"]),
    );
    idleAgent.destroy();
  });

  it("exits 0 when the grace period ends with a review still unfinished", async () => {
    const served = await serve("--shutdown-grace", "0.5", "--request-timeout", "30");
    const stuck = startReview(served, "never-finished", false);
    await eventually(async () => expect(await inFlight(served)).toBe(1));
    served.child.kill("SIGTERM");
    await expect(stuck.answer).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await served.exited).toBe(0);
    expect(
      served.logs.find(
        (line) => line.msg === "grace period over; closing the connections still open",
      ),
    ).toMatchObject({ connections: 1 });
  });
});

describe("meshtune serve --own-namespace", () => {
  async function patchedIn(served: Served, namespace: string): Promise<boolean> {
    const pod = fixturePod("vllm-deployment");
    pod.metadata!.namespace = namespace;
    const { response } = await postReview(`${served.url}/mutate`, podCreationReview(pod), {
      ca: certs.ca.cert,
    });
    return response.patch !== undefined;
  }

  async function stop(served: Served): Promise<void> {
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
  }

  it("never changes pods in the namespace it names", async () => {
    const served = await serve("--own-namespace", "gpu-platform");
    expect(served.logs.find((line) => line.msg === "listening")?.ownNamespace).toBe("gpu-platform");
    expect(await patchedIn(served, "gpu-platform")).toBe(false);
    expect(await patchedIn(served, "inference")).toBe(true);
    await stop(served);
  });

  it("still takes the old --namespace, saying it is deprecated", async () => {
    const served = await serve("--namespace", "gpu-platform");
    expect(served.logs.map((line) => line.msg)).toContain(
      "--namespace is deprecated and will be removed: use --own-namespace",
    );
    expect(await patchedIn(served, "gpu-platform")).toBe(false);
    await stop(served);
  });
});

describe("meshtune demo", () => {
  it("makes certificates, sends the vLLM pod over TLS, prints the decoded patch and warnings, and exits 0", async () => {
    const certsDir = join(mkdtempSync(join(tmpdir(), "meshtune-demo-")), "certs");
    const example = join(ROOT, "examples", "vllm-pod.yaml");
    const args = [
      "demo",
      "--port",
      "0",
      "--certs-dir",
      certsDir,
      "--file",
      example,
      "--config",
      DEFAULT_CONFIG_PATH,
      "--full",
    ];
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(build, "cli", "main.js"),
      ...args,
    ]);

    expect(stdout).toContain("allowed: true, uid echoed: true, profile: gpu-inference\n");
    const patch = JSON.parse(
      stdout.slice(stdout.indexOf("\n[\n"), stdout.indexOf("\n]\n") + 2),
    ) as Operation[];
    const pod = parse(readFileSync(example, "utf8")) as object;
    const tuned = fastJsonPatch.applyPatch(pod, patch, true, false).newDocument as {
      metadata: { annotations: object };
    };
    expect(tuned.metadata.annotations).toHaveProperty(["meshtune.dev/applied"], "gpu-inference");
    expect(stdout).toContain('\n  meshtune: set annotation meshtune.dev/applied="gpu-inference"\n');
    expect(stdout.endsWith("server stopped.\n")).toBe(true);
    expect(statSync(join(certsDir, "tls.key")).mode & 0o777).toBe(0o600);
  });

  // Issue 11: `npm start -- --file` failed on any multi-document file, every Helm render included.
  it("sends each pod a multi-document file creates, as Helm renders them", async () => {
    const certsDir = join(mkdtempSync(join(tmpdir(), "meshtune-demo-")), "certs");
    const render = join(ROOT, "test", "fixtures", "renders", "production-stack.yaml");
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(build, "cli", "main.js"),
      ...["demo", "--port", "0", "--certs-dir", certsDir, "--file", render],
      ...["--config", DEFAULT_CONFIG_PATH],
    ]);
    const requests = stdout.split("\n").filter((line) => line.startsWith("request "));
    expect(requests).toEqual([
      "request       AdmissionReview admission.k8s.io/v1, CREATE pod inference/vllm-deployment-router-* from test/fixtures/renders/production-stack.yaml: document 2 (Deployment/vllm-deployment-router)",
      "request       AdmissionReview admission.k8s.io/v1, CREATE pod inference/vllm-llama3-deployment-vllm-* from test/fixtures/renders/production-stack.yaml: document 3 (Deployment/vllm-llama3-deployment-vllm)",
    ]);
    expect(stdout).toContain("allowed: true, uid echoed: true, profile: none\n");
    expect(stdout).toContain("allowed: true, uid echoed: true, profile: gpu-inference\n");
  });
});
