import { watch, type FSWatcher } from "node:fs";

const SETTLE_MS = 100;

/**
 * Calls `onChange` when files in `dirs` may have changed. Kubelet updates Secret and ConfigMap
 * mounts by swapping a `..data` symlink, which only a watch on the directory sees; fs.watch can
 * also miss events or lose its directory, so a poll every `intervalMs` backs it up (and re-arms
 * a lost watch). `onChange` must be cheap when nothing changed. Returns a function that stops.
 */
export function watchDirectories(
  dirs: string[],
  intervalMs: number,
  onChange: () => void,
): () => void {
  const watchers = new Map<string, FSWatcher>();
  let settle: NodeJS.Timeout | undefined;

  // A swap is several events in a row; wait for them to settle, then look once.
  const changed = () => {
    clearTimeout(settle);
    settle = setTimeout(onChange, SETTLE_MS).unref();
  };

  const arm = () => {
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, changed);
        watcher.on("error", () => {
          watcher.close();
          watchers.delete(dir);
        });
        watchers.set(dir, watcher);
      } catch {
        // The directory is missing for now; the poll keeps looking.
      }
    }
  };

  arm();
  const poll = setInterval(() => {
    arm();
    onChange();
  }, intervalMs).unref();

  return () => {
    clearInterval(poll);
    clearTimeout(settle);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}
