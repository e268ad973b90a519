import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../../src/config/load.js";

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, "test.yaml");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("the config was accepted");
}

const profileWith = (sidecar: string) => `
profiles:
  - name: first
  - name: second
    sidecar:
${sidecar}
`;

describe("loading the config", () => {
  it("loads the shipped config with a tuned GPU-inference profile", () => {
    const config = loadConfig();
    expect(config.meshes).toEqual(["istio", "linkerd"]);
    const [profile] = config.profiles;
    expect(profile?.name).toBe("gpu-inference");
    expect(profile?.sidecar.istio).toMatchObject({
      cpuRequest: "500m",
      cpuLimit: "2",
      memoryRequest: "256Mi",
      memoryLimit: "1Gi",
    });
    expect(profile?.sidecar.linkerd).toMatchObject({ cpuRequest: "200m", cpuLimit: "1" });
  });

  it("loads the shipped training opt-out example", () => {
    const config = loadConfig(
      new URL("../../config/examples/training-opt-out.yaml", import.meta.url).pathname,
    );
    expect(config.profiles.map((profile) => [profile.name, profile.mode])).toEqual([
      ["gpu-training", "opt-out"],
      ["gpu-inference", "tune"],
    ]);
  });

  it("fills every default when the file is empty", () => {
    const config = parseConfig("");
    expect(config.excludedNamespaces).toContain("kube-system");
    expect(config.selection.gpuResources.names).toContain("nvidia.com/gpu");
    expect(config.selection.gpuResources.prefixes).toContain("nvidia.com/mig-");
    expect(config.warmup.timeoutSeconds).toBe(900);
    expect(config.profiles).toEqual([]);
  });

  it("accepts quantities written as YAML numbers", () => {
    const config = parseConfig(
      "profiles: [{ name: p, sidecar: { istio: { cpuRequest: 1, cpuLimit: 2 } } }]",
    );
    expect(config.profiles[0]?.sidecar.istio.cpuLimit).toBe("2");
  });

  it("names the exact path of a value that is not a quantity", () => {
    expect(problems(profileWith('      istio: { cpuLimit: "2 cores" }'))).toEqual([
      'profiles[1].sidecar.istio.cpuLimit: "2 cores" is not a Kubernetes quantity (e.g. 500m, 2, 1Gi)',
    ]);
  });

  it("refuses a request above its limit, which would make the apiserver reject the pod", () => {
    expect(
      problems(profileWith("      linkerd: { memoryRequest: 2Gi, memoryLimit: 1Gi }")),
    ).toEqual([
      "profiles[1].sidecar.linkerd.memoryRequest: 2Gi is more than memoryLimit 1Gi; a request must not exceed its limit",
    ]);
  });

  it.each([
    ["proxyv2:1.28.4", 'has no "/"'],
    ["docker.io/istio/proxyv2:latest", 'uses the tag "latest"'],
    ["docker.io/istio/proxyv2", "has no tag or digest"],
    ["docker.io/istio/proxyv2@sha256:abc", "has an invalid digest"],
  ])("refuses the Istio image %s", (image, why) => {
    const [problem] = problems(profileWith(`      istio: { image: "${image}" }`));
    expect(problem).toContain("profiles[1].sidecar.istio.image:");
    expect(problem).toContain(why);
  });

  it("accepts an Istio image pinned by digest", () => {
    const image = `gcr.io/istio-release/proxyv2@sha256:${"a".repeat(64)}`;
    expect(
      parseConfig(profileWith(`      istio: { image: "${image}" }`)).profiles[1]?.sidecar.istio
        .image,
    ).toBe(image);
  });

  it("refuses a Linkerd image that carries a tag, since Linkerd appends the version", () => {
    expect(
      problems(
        profileWith(
          "      linkerd: { image: cr.l5d.io/linkerd/proxy:edge-25.1.1, version: edge-25.1.1 }",
        ),
      )[0],
    ).toMatch(
      /^profiles\[1\]\.sidecar\.linkerd\.image: .* must be a repository without tag or digest/,
    );
  });

  it("refuses a Linkerd image without a version", () => {
    expect(problems(profileWith("      linkerd: { image: cr.l5d.io/linkerd/proxy }"))).toEqual([
      "profiles[1].sidecar.linkerd.version: image and version go together: Linkerd renders <image>:<version>; set both or neither",
    ]);
  });

  it("names a misspelt key", () => {
    expect(problems(profileWith("      istio: { cpuLimt: 2 }"))).toEqual([
      "profiles[1].sidecar.istio.cpuLimt: unknown key; check its spelling against the configuration reference",
    ]);
  });

  it("lists the allowed values of an enum", () => {
    expect(problems("profiles: [{ name: p, mode: remove }]")).toEqual([
      'profiles[0].mode: "remove" is not allowed; use one of tune, opt-out',
    ]);
  });

  it("refuses duplicate and reserved profile names", () => {
    expect(problems('profiles: [{ name: a }, { name: a }, { name: "off" }]')).toEqual([
      'profiles[2].name: "off" is reserved: meshtune.dev/profile: off opts a pod out',
      'profiles[1].name: "a" is used by an earlier profile; names must be unique',
    ]);
  });

  it("reports YAML syntax errors with their position", () => {
    const [problem] = problems("profiles: [ { name: a }");
    expect(problem).toMatch(/^YAML: .*line 1/);
  });

  it("says which file it could not read", () => {
    const path = join(mkdtempSync(join(tmpdir(), "meshtune-")), "missing.yaml");
    expect(() => loadConfig(path)).toThrowError(
      new RegExp(`invalid meshtune config ${path}:\\n  cannot read the file`),
    );
  });

  it("reads a config file from a path", () => {
    const path = join(mkdtempSync(join(tmpdir(), "meshtune-")), "config.yaml");
    writeFileSync(path, "meshes: [linkerd]\n");
    expect(loadConfig(path).meshes).toEqual(["linkerd"]);
  });
});
