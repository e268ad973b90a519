import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments, stringify } from "yaml";
import { describe, expect, it } from "vitest";

// The built CLI, as users run it: `npm test` builds before it tests.
const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/audit/${name}.yaml`, import.meta.url));

function meshtune(args: string[], input?: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(process.execPath, [CLI, "audit", ...args], {
    input,
    encoding: "utf8",
    env,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function temp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "meshtune-audit-")), name);
  writeFileSync(path, text);
  return path;
}

/** A ConfigMap whose every level aliases the one before it ten times: 10^levels values. */
function billionLaughs(levels: number): string {
  const lines = [
    "kind: ConfigMap",
    "metadata: {name: laughs}",
    "data:",
    "  l0: &l0 [x, x, x, x, x, x, x, x, x, x]",
  ];
  for (let i = 1; i < levels; i++)
    lines.push(`  l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}

type Report = {
  summary: { workloads: number; findings: Record<string, number> };
  workloads: { name: string; findings: { code: string; field: string }[] }[];
};

type KubeObject = { kind: string; metadata: { name: string; namespace?: string } };
const identity = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

describe("meshtune audit -f", () => {
  it("prints a table grouped by workload, ending in a summary line, and exits 1 on findings", () => {
    const { code, stdout, stderr } = meshtune(["-f", fixture("vllm-istio")]);
    expect(code).toBe(1);
    expect(stderr).toBe("");
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`meshtune audit of ${fixture("vllm-istio")}`);
    expect(lines).toContain("inference  Deployment/mistral-7b  profile gpu-inference");
    expect(stdout).toMatch(/\n {2}findings {3}SEVERITY {2}OBJECT +FIELD +FOUND +WANT +WHY\n/);
    expect(stdout).toMatch(
      /error +VirtualService inference\/mistral-7b +spec\.http\[0\]\.timeout +15s +≥ 300s or none +streams longer than 15 s are cut/,
    );
    expect(lines.at(-1)).toBe("1 workload audited, 0 not selected: 2 errors, 3 warnings, 0 info");
  });

  it("exits 0 for a clean stack", () => {
    const { code, stdout } = meshtune(["-f", fixture("clean")]);
    expect(code).toBe(0);
    expect(stdout).toContain("  findings   none\n");
  });

  it("exits 1 only for findings at or above --fail-on", () => {
    expect(meshtune(["-f", fixture("istio-drift")]).code).toBe(1);
    expect(meshtune(["-f", fixture("istio-drift"), "--fail-on", "error"]).code).toBe(1);
    expect(meshtune(["-f", fixture("vllm-istio"), "--fail-on", "none"]).code).toBe(0);
    const info = temp(
      "info.yaml",
      readFileSync(fixture("istio-drift"), "utf8").replaceAll("1.28.4", "1.29.0"),
    );
    expect(meshtune(["-f", info]).code).toBe(0);
    expect(meshtune(["-f", info, "--fail-on", "info"]).code).toBe(1);
  });

  it("prints JSON and YAML for machines, with the summary line on standard error", () => {
    const json = meshtune(["-f", fixture("tgi-linkerd"), "-o", "json"]);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.summary).toEqual({
      workloads: 1,
      notSelected: 0,
      findings: { error: 3, warning: 1, info: 0 },
    });
    expect(report.workloads[0]?.findings.map(({ code }) => code)).toContain("http-route-timeout");
    expect(json.stderr).toBe("1 workload audited, 0 not selected: 3 errors, 1 warning, 0 info\n");
    const yaml = meshtune(["-f", fixture("tgi-linkerd"), "-o", "yaml"]);
    expect(parse(yaml.stdout)).toEqual(report);
  });

  it("reads standard input and directories, as kustomize build | meshtune audit -f - does", () => {
    const stdin = meshtune(["-f", "-", "-o", "json"], readFileSync(fixture("vllm-istio"), "utf8"));
    expect((JSON.parse(stdin.stdout) as Report).summary.findings.error).toBe(2);
    const directory = meshtune([
      "-f",
      fileURLToPath(new URL("../fixtures/audit/", import.meta.url)),
      "-o",
      "json",
    ]);
    expect((JSON.parse(directory.stdout) as Report).summary.workloads).toBe(6);
  });
});

describe("meshtune audit --fix", () => {
  it("changes only the values it fixes: comments, layout and quoting stay as written", () => {
    const original = readFileSync(fixture("vllm-istio"), "utf8");
    const { code, stdout } = meshtune(["-f", fixture("vllm-istio"), "--fix"]);
    expect(code).toBe(1);
    const body = (text: string) =>
      text
        .split("\n")
        .filter((line) => !line.startsWith("# "))
        .join("\n");
    const virtualService = original.slice(
      original.indexOf("apiVersion: networking.istio.io/v1\nkind: VirtualService"),
    );
    const expected = virtualService
      .slice(0, virtualService.indexOf("---"))
      .replace("timeout: 15s", "timeout: 300s")
      .replace("perTryTimeout: 10s", "perTryTimeout: 300s");
    expect(body(stdout)).toContain(expected);
    expect(stdout).toContain(
      "# VirtualService inference/mistral-7b:\n#   spec.http[0].retries.perTryTimeout: 10s → 300s (each attempt is cut at 10 s",
    );
  });

  it("prints objects that, put in place of the originals, audit clean", () => {
    for (const name of ["vllm-istio", "tgi-linkerd", "triton-grpc-linkerd", "kserve-envoyfilter"]) {
      const fixed = parseAllDocuments(meshtune(["-f", fixture(name), "--fix"]).stdout)
        .map((d) => d.toJS() as KubeObject | null)
        .filter((o): o is KubeObject => o !== null);
      expect(fixed.length).toBeGreaterThan(0);
      const replaced = new Map(fixed.map((o) => [identity(o), o]));
      const originals = parseAllDocuments(readFileSync(fixture(name), "utf8")).map(
        (d) => d.toJS() as KubeObject,
      );
      const merged = originals.map((o) => replaced.get(identity(o)) ?? o);
      const again = meshtune(
        ["-f", "-", "-o", "json"],
        merged.map((o) => stringify(o)).join("---\n"),
      );
      const report = JSON.parse(again.stdout) as Report;
      const left = report.workloads.flatMap(({ findings }) => findings.map(({ code }) => code));
      // A proxy behind its control plane is fixed by restarting the pods, not by YAML.
      expect(
        left.filter((c) => c !== "proxy-version-skew"),
        name,
      ).toEqual([]);
    }
  });

  it("fixes an object two workloads share once", () => {
    const { stdout } = meshtune([
      "-f",
      fixture("vllm-istio"),
      "-f",
      fixture("kserve-envoyfilter"),
      "--fix",
    ]);
    expect(stdout.match(/stream_idle_timeout: 60s → 300s/g)).toHaveLength(1);
    expect(stdout.match(/^kind: EnvoyFilter$/gm)).toHaveLength(2);
  });

  it("lists what only an action resolves as comments, after the objects", () => {
    const { stdout } = meshtune(["-f", fixture("istio-drift"), "--fix"]);
    expect(stdout).toBe(
      [
        "# Not resolved by YAML:",
        "#   Deployment agents/qwen-sglang istio-proxy image 1.28.4 (1 of 2 pods): restart the pods (kubectl rollout restart deployment/qwen-sglang -n agents) so the injector gives them the control plane's proxy",
        "#   Deployment agents/qwen-sglang istio-proxy image 1.29.2 (1 of 2 pods): restart the pods (kubectl rollout restart deployment/qwen-sglang -n agents) so the injector gives them the control plane's proxy",
        "",
      ].join("\n"),
    );
  });

  it("prints nothing for a clean stack", () => {
    const { code, stdout, stderr } = meshtune(["-f", fixture("clean"), "--fix"]);
    expect({ code, stdout }).toEqual({ code: 0, stdout: "" });
    expect(stderr).toBe("1 workload audited, 0 not selected: 0 errors, 0 warnings, 0 info\n");
  });
});

describe("meshtune audit when it cannot run", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "a missing file",
      ["-f", "/nonexistent/stack.yaml"],
      /^meshtune audit: cannot read \/nonexistent\/stack\.yaml: ENOENT/,
    ],
    ["invalid YAML", ["-f", temp("bad.yaml", "kind: [unclosed\n")], /document 1 is not valid YAML/],
    [
      "a document that is no object",
      ["-f", temp("list.yaml", "- a\n- b\n")],
      /document 1 is a list, not a Kubernetes object/,
    ],
    [
      "a manifest nested deeper than any real one",
      [
        "-f",
        temp("deep.yaml", `kind: Service\nspec: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`),
      ],
      /deep\.yaml: document 1 nests over 200 levels deep, the limit$/m,
    ],
    [
      "an alias bomb",
      ["-f", temp("laughs.yaml", billionLaughs(9))],
      /laughs\.yaml: document 1 \(ConfigMap\/laughs\) has over 1000 aliases, the limit$/m,
    ],
    [
      "files and a cluster at once",
      ["-f", fixture("clean"), "-A"],
      /-f audits files; -A, --context and --kubeconfig are for a live cluster/,
    ],
    [
      "an invalid config",
      [
        "-f",
        fixture("clean"),
        "--config",
        temp("c.yaml", "profiles: [{name: p, floors: {maxConnections: 0}}]\n"),
      ],
      /profiles\[0\]\.floors\.maxConnections/,
    ],
    ["an unknown flag", ["--frobnicate"], /unknown option '--frobnicate'/],
    ["a bad page size", ["--chunk-size", "0"], /"0" is not a page size from 1 to 10000/],
  ];
  for (const [what, args, message] of cases) {
    it(`exits 2 with one sentence for ${what}`, () => {
      const { code, stdout, stderr } = meshtune(args);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  }

  it("exits 2 naming the cluster it could not reach", () => {
    const kubeconfig = temp(
      "kubeconfig",
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: "gone",
            cluster: { server: "https://127.0.0.1:1", "insecure-skip-tls-verify": true },
          },
        ],
        users: [{ name: "u", user: { token: "t" } }],
        contexts: [{ name: "gone", context: { cluster: "gone", user: "u" } }],
        "current-context": "gone",
      }),
    );
    const { code, stderr } = meshtune(["--kubeconfig", kubeconfig, "-A"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^meshtune audit: cannot reach the cluster at https:\/\/127\.0\.0\.1:1 to list [a-z .]+: ECONNREFUSED; check the kubeconfig.s server and that the cluster is up\n$/,
    );
    const home = mkdtempSync(join(tmpdir(), "meshtune-home-"));
    const nowhere = meshtune([], undefined, { PATH: process.env.PATH, HOME: home });
    expect(nowhere).toMatchObject({
      code: 2,
      stderr:
        "meshtune audit: no kubeconfig: set KUBECONFIG, pass --kubeconfig, or audit files with -f\n",
    });
    const context = meshtune(["--kubeconfig", kubeconfig, "--context", "prod"]);
    expect(context).toMatchObject({
      code: 2,
      stderr: 'meshtune audit: the kubeconfig has no context "prod"; it has gone\n',
    });
  });
});
