import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { pino } from "pino";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addSelfSignedOptions,
  startSelfSigned,
  type SelfSignedFlags,
} from "../../src/cli/self-signed.js";
import { FakeApiServer } from "../certs/fake-apiserver.js";

const api = new FakeApiServer("meshtune");
let shipped: Record<string, unknown>;

beforeAll(async () => {
  await api.start();
  const webhook = readFileSync(
    new URL("../../webhook/mutatingwebhookconfiguration.yaml", import.meta.url),
    "utf8",
  );
  shipped = parse(webhook) as Record<string, unknown>;
  api.addWebhookConfiguration(structuredClone(shipped));
});
afterAll(() => api.stop());

function flags(...args: string[]): SelfSignedFlags {
  const command = addSelfSignedOptions(
    new Command("serve").exitOverride().configureOutput({ writeErr: () => {} }),
  );
  return command.parse(args, { from: "user" }).opts<SelfSignedFlags>();
}

describe("meshtune serve --self-signed-secret", () => {
  it("keeps certificates in the TLS directory, reaching the cluster named by KUBECONFIG", async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), "meshtune-kubeconfig-")), "config");
    writeFileSync(kubeconfig, api.kubeConfig().exportConfig());
    process.env.KUBECONFIG = kubeconfig;
    const tlsDir = mkdtempSync(join(tmpdir(), "meshtune-tls-"));

    const stop = await startSelfSigned(
      flags("--self-signed-secret", "meshtune-tls", "--self-signed-namespace", "meshtune"),
      tlsDir,
      pino({ level: "silent" }),
      undefined,
    );
    try {
      expect(stop).toBeTypeOf("function");
      await expect.poll(() => existsSync(join(tlsDir, "tls.crt")), { timeout: 10_000 }).toBe(true);
      const secret = api.secret("meshtune-tls") as { data: Record<string, string> };
      expect(readFileSync(join(tlsDir, "tls.crt"), "utf8")).toBe(
        Buffer.from(secret.data["tls.crt"] ?? "", "base64").toString("utf8"),
      );
    } finally {
      stop?.();
    }
  });

  it("leaves certificates to others without --self-signed-secret", async () => {
    expect(
      await startSelfSigned(flags(), "/nonexistent", pino({ level: "silent" }), "meshtune"),
    ).toBeUndefined();
  });

  it("keeps the Secret in meshtune's own namespace when no other is named", async () => {
    api.reset();
    api.addWebhookConfiguration(structuredClone(shipped));
    const tlsDir = mkdtempSync(join(tmpdir(), "meshtune-tls-"));
    const silent = pino({ level: "silent" });
    const stop = await startSelfSigned(
      flags("--self-signed-secret", "meshtune-tls"),
      tlsDir,
      silent,
      "meshtune",
    );
    try {
      await expect.poll(() => existsSync(join(tlsDir, "tls.crt")), { timeout: 10_000 }).toBe(true);
      expect(api.secret("meshtune-tls")).toBeDefined();
    } finally {
      stop?.();
    }
  });

  it("says how to name the namespace when it knows none", async () => {
    await expect(
      startSelfSigned(
        flags("--self-signed-secret", "s"),
        "/nonexistent",
        pino({ level: "silent" }),
        undefined,
      ),
    ).rejects.toThrow(
      "--self-signed-secret needs meshtune's namespace: set --self-signed-namespace",
    );
  });

  it("defaults to the names the manifests use", () => {
    expect(flags("--self-signed-secret", "meshtune-tls")).toMatchObject({
      selfSignedService: "meshtune",
      selfSignedWebhook: "00-meshtune",
      selfSignedDays: 365,
    });
  });

  it("refuses a lifetime that is not a whole number of days", () => {
    expect(() =>
      flags("--self-signed-secret", "meshtune-tls", "--self-signed-days", "0.5"),
    ).toThrow('"0.5" is not a whole number of days (1 or more).');
  });
});
