import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * meshtune's version, read from its package.json: the one place it is written (the chart and the
 * install files take it from there too). Found by walking up from this file, so it holds for
 * dist/, the image's /app and a test build alike.
 */
export function meshtuneVersion(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === "meshtune" && manifest.version !== undefined) return manifest.version;
    } catch {
      // No package.json here (or an unreadable one): look further up.
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error("meshtune's package.json was not found");
    directory = parent;
  }
}
