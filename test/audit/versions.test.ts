import { describe, expect, it } from "vitest";
import { imageTag, istioVersion, linkerdMinor, skew } from "../../src/audit/versions.js";

describe("mesh versions", () => {
  it("read Istio's release from a proxy or pilot image tag", () => {
    expect(istioVersion(imageTag("docker.io/istio/proxyv2:1.30.3"))?.minor).toBe(30);
    expect(istioVersion(imageTag("gcr.io/istio-release/proxyv2:1.29.0-distroless"))?.minor).toBe(
      29,
    );
    expect(
      istioVersion(imageTag("registry:5000/istio/pilot:1.28.4@sha256:" + "a".repeat(64)))?.minor,
    ).toBe(28);
  });

  it("know nothing from a digest alone, latest, or a dev tag", () => {
    expect(
      istioVersion(imageTag("docker.io/istio/proxyv2@sha256:" + "a".repeat(64))),
    ).toBeUndefined();
    expect(istioVersion("latest")).toBeUndefined();
    expect(istioVersion("1.x-dev")).toBeUndefined();
  });

  it("map Linkerd edge releases to the version they belong to, from the version-2.X tags", () => {
    expect(linkerdMinor("edge-24.2.4")).toBe(15);
    expect(linkerdMinor("edge-24.11.7")).toBe(16);
    expect(linkerdMinor("edge-25.4.4")).toBe(18);
    expect(linkerdMinor("edge-26.8.3")).toBe(20);
    expect(linkerdMinor("edge-23.12.1")).toBeUndefined();
  });

  it("read stable and enterprise releases by their name", () => {
    expect(linkerdMinor("stable-2.14.10")).toBe(14);
    expect(linkerdMinor("enterprise-2.18.3")).toBe(18);
    expect(linkerdMinor("version-2.20")).toBe(20);
    expect(linkerdMinor("v2.20")).toBeUndefined();
  });

  it("allow a proxy one release behind its control plane, never two behind or ahead", () => {
    expect(skew(30, 30)).toBe("level");
    expect(skew(29, 30)).toBe("behind");
    expect(skew(28, 30)).toBe("unsupported");
    expect(skew(31, 30)).toBe("unsupported");
  });
});
