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

beforeAll(async () => {
  await api.start();
  const webhook = readFileSync(
    new URL("../../webhook/mutatingwebhookconfiguration.yaml", import.meta.url),
    "utf8",
  );
  api.addWebhookConfiguration(parse(webhook) as Record<string, unknown>);
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
      await startSelfSigned(flags(), "/nonexistent", pino({ level: "silent" })),
    ).toBeUndefined();
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
