import { pino, type DestinationStream, type Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * Log bytes held while standard output cannot take them; past it, lines are dropped rather than
 * memory spent (a log line is about 1.3 KB: some 6,000 reviews' worth).
 */
const LOG_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * Review lines are written in batches of about this many bytes, and at least every LOG_FLUSH_MS:
 * an asynchronous write costs about 70 µs of CPU whatever its size, more than planning the pod
 * (`npm run bench`). Any other line (start, reloads, warnings, errors) goes out at once, after
 * those before.
 */
const LOG_BATCH_BYTES = 64 * 1024;
export const LOG_FLUSH_MS = 1000;
/** How a review's line ends: pino writes the message last. */
const REVIEW_LINE_END = '"msg":"review"}\n';

/**
 * Standard output, written asynchronously, so a slow disk or pipe behind it stalls no review.
 * What is buffered is written when the process exits (the batch here first, then pino's).
 */
function standardOutput(): DestinationStream {
  let batch = "";
  const flush = () => {
    if (batch === "") return;
    out.write(batch);
    batch = "";
  };
  process.once("exit", flush);
  const out = pino.destination({
    dest: 1,
    sync: false,
    maxLength: LOG_BUFFER_BYTES,
    maxWrite: LOG_BATCH_BYTES,
  });
  setInterval(flush, LOG_FLUSH_MS).unref();
  return {
    write(line: string) {
      batch += line;
      if (batch.length >= LOG_BATCH_BYTES || !line.endsWith(REVIEW_LINE_END)) flush();
    },
  };
}

/** JSON lines with ISO timestamps; pino's own format, so any log pipeline reads them. */
export function createLogger(level: string, destination = standardOutput()): Logger {
  return pino({ level, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
