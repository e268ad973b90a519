import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { format, resolveConfig } from "prettier";

/** A file the repository keeps that a generator writes from another source. */
export interface Generated {
  /** Relative to the repository root. */
  path: string;
  text: string;
  /** What it is made from, for the message when it is stale. */
  from: string;
  /** Run prettier over it, so it passes `prettier --check` like the files people write. */
  format?: boolean;
  /** A file the generator no longer makes: it must not exist. */
  remove?: boolean;
}

async function formatted(root: string, file: Generated): Promise<string> {
  if (!file.format) return file.text;
  const path = join(root, file.path);
  return format(file.text, { ...(await resolveConfig(path)), filepath: path });
}

/** Writes each file whose text changed; returns the paths written. */
export async function writeGenerated(root: string, files: Generated[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const path = join(root, file.path);
    if (file.remove) {
      rmSync(path, { force: true });
      written.push(`${file.path} (removed)`);
      continue;
    }
    const text = await formatted(root, file);
    if (existsSync(path) && readFileSync(path, "utf8") === text) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(file.path);
  }
  return written;
}

/** One sentence per file that is missing or not what its generator makes now. */
export async function staleGenerated(root: string, files: Generated[]): Promise<string[]> {
  const stale: string[] = [];
  for (const file of files) {
    const path = join(root, file.path);
    if (file.remove) {
      if (existsSync(path)) stale.push(`${file.path} is not made from ${file.from} any more`);
      continue;
    }
    const text = await formatted(root, file);
    if (!existsSync(path)) stale.push(`${file.path} is missing; it is made from ${file.from}`);
    else if (readFileSync(path, "utf8") !== text)
      stale.push(`${file.path} is not what ${file.from} makes now`);
  }
  return stale;
}
