#!/usr/bin/env node
import { Command } from "commander";
import { mutateCommand } from "./mutate.js";

const program = new Command("meshtune")
  .description("Fits Istio and Linkerd sidecars to GPU and model-serving pods")
  .version("0.1.0")
  .showHelpAfterError();

program.addCommand(mutateCommand());

await program.parseAsync(process.argv);
