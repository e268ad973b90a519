#!/usr/bin/env node
import { Command } from "commander";
import { meshtuneVersion } from "./version.js";

/**
 * Each command, loaded only when it runs: `meshtune serve` then starts without the code (and
 * the libraries) of audit, mutate, certs and demo, which is a good part of its start.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  mutate: async () => (await import("./mutate.js")).mutateCommand(),
  serve: async () => (await import("./serve.js")).serveCommand(),
  certs: async () => (await import("./certs.js")).certsCommand(),
  demo: async () => (await import("./demo.js")).demoCommand(),
  audit: async () => (await import("./audit.js")).auditCommand(),
};

const program = new Command("meshtune")
  .description("Fits Istio and Linkerd sidecars to GPU and model-serving pods")
  .version(meshtuneVersion())
  .showHelpAfterError("(add --help for usage)");

try {
  // Help, --version and unknown commands need every command's description, so all of them.
  const named = process.argv[2] ?? "";
  const wanted = Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) program.addCommand(await COMMANDS[name]!());
  await program.parseAsync(process.argv);
} catch (error) {
  // Each command explains the failures it expects; this is for the ones it does not: still one
  // line, never a stack trace.
  process.stderr.write(
    `meshtune: ${(error as Error).message ?? String(error)}; this is a bug in meshtune, please report it\n`,
  );
  process.exitCode = 1;
}
