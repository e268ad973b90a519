#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { certsCommand } from "./certs.js";
import { demoCommand } from "./demo.js";
import { mutateCommand } from "./mutate.js";
import { serveCommand } from "./serve.js";

// package.json is the one place the version is written; the chart and install files take it from there.
const { version } = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as { version: string };

const program = new Command("meshtune")
  .description("Fits Istio and Linkerd sidecars to GPU and model-serving pods")
  .version(version)
  .showHelpAfterError();

program.addCommand(mutateCommand());
program.addCommand(serveCommand());
program.addCommand(certsCommand());
program.addCommand(demoCommand());

await program.parseAsync(process.argv);
