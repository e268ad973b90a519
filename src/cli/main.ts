#!/usr/bin/env node
import { Command } from "commander";
import { certsCommand } from "./certs.js";
import { demoCommand } from "./demo.js";
import { mutateCommand } from "./mutate.js";
import { serveCommand } from "./serve.js";

const program = new Command("meshtune")
  .description("Fits Istio and Linkerd sidecars to GPU and model-serving pods")
  .version("0.1.0")
  .showHelpAfterError("(add --help for usage)");

program.addCommand(mutateCommand());
program.addCommand(serveCommand());
program.addCommand(certsCommand());
program.addCommand(demoCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Each command explains the failures it expects; this is for the ones it does not: still one
  // line, never a stack trace.
  process.stderr.write(
    `meshtune: ${(error as Error).message ?? String(error)}; this is a bug in meshtune, please report it\n`,
  );
  process.exitCode = 1;
}
