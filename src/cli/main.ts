#!/usr/bin/env node
import { Command } from "commander";
import { auditCommand } from "./audit.js";
import { certsCommand } from "./certs.js";
import { demoCommand } from "./demo.js";
import { mutateCommand } from "./mutate.js";
import { serveCommand } from "./serve.js";
import { meshtuneVersion } from "./version.js";

const program = new Command("meshtune")
  .description("Fits Istio and Linkerd sidecars to GPU and model-serving pods")
  .version(meshtuneVersion())
  .showHelpAfterError("(add --help for usage)");

program.addCommand(mutateCommand());
program.addCommand(serveCommand());
program.addCommand(certsCommand());
program.addCommand(demoCommand());
program.addCommand(auditCommand());

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
