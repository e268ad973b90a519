import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { generateCA, generateServingCert, serviceDnsNames } from "../certs/generate.js";
import { writeCertificateFiles } from "../certs/write.js";
import { parseDays } from "./arguments.js";

interface GenerateFlags {
  service: string;
  namespace: string;
  out: string;
  dns: string[];
  ip: string[];
  days: number;
  caDays: number;
}

function parseDnsLabel(text: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text) || text.length > 63) {
    throw new InvalidArgumentError(
      `"${text}" is not a DNS label (lowercase a-z, 0-9 and -, at most 63).`,
    );
  }
  return text;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectIp(value: string, previous: string[]): string[] {
  if (isIP(value) === 0)
    throw new InvalidArgumentError(`"${value}" is not an IPv4 or IPv6 address.`);
  return collect(value, previous);
}

const expiry = (pem: string) => new Date(new X509Certificate(pem).validTo).toISOString();

function generate(flags: GenerateFlags): void {
  const out = resolve(flags.out);
  const dnsNames = [...serviceDnsNames(flags.service, flags.namespace), ...flags.dns];
  const ca = generateCA({ validityDays: flags.caDays });
  const serving = generateServingCert(ca, {
    dnsNames,
    ipAddresses: flags.ip,
    validityDays: flags.days,
  });
  writeCertificateFiles(out, { caCert: ca.cert, cert: serving.cert, key: serving.key });
  const names = [...dnsNames, ...flags.ip].join(", ");
  process.stdout.write(
    `wrote ${join(out, "ca.crt")}, ${join(out, "tls.crt")} and ${join(out, "tls.key")} (mode 0600)\n` +
      `  names: ${names}\n` +
      `  serving certificate valid until ${expiry(serving.cert)}, CA until ${expiry(ca.cert)}\n` +
      `  caBundle for the webhook configuration: base64 -w0 ${join(out, "ca.crt")}\n`,
  );
}

export function certsCommand(): Command {
  const command = new Command("certs").description("Make certificates for the webhook");
  command
    .command("generate")
    .description("Generate a CA and a serving certificate for the webhook's Service")
    .addOption(
      new Option("--service <name>", "the webhook's Service name")
        .argParser(parseDnsLabel)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option("--namespace <name>", "the Service's namespace")
        .argParser(parseDnsLabel)
        .makeOptionMandatory(),
    )
    .requiredOption("--out <dir>", "directory to write ca.crt, tls.crt and tls.key to")
    .addOption(
      new Option("--dns <name>", "an extra DNS name (repeatable)")
        .argParser(collect)
        .default([], "none"),
    )
    .addOption(
      new Option("--ip <address>", "an IP address to include (repeatable)")
        .argParser(collectIp)
        .default([], "none"),
    )
    .addOption(
      new Option("--days <days>", "serving certificate validity")
        .argParser(parseDays)
        .default(365, "365; never past the CA's end"),
    )
    .addOption(new Option("--ca-days <days>", "CA validity").argParser(parseDays).default(3650))
    .action(generate);
  return command;
}
