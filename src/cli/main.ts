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
  .showHelpAfterError();

program.addCommand(mutateCommand());
program.addCommand(serveCommand());
program.addCommand(certsCommand());
program.addCommand(demoCommand());
program.addCommand(auditCommand());

await program.parseAsync(process.argv);
