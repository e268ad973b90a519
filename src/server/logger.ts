import { pino, type DestinationStream, type Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * Log bytes held while standard output cannot take them; past it, lines are dropped rather than
 * memory spent (a log line is about 1.3 KB: some 6,000 reviews' worth).
 */
const LOG_BUFFER_BYTES = 8 * 1024 * 1024;

/**
 * Standard output, written asynchronously: a synchronous write per review cost 8% of the CPU
 * under load (`npm run bench`), and stalled every review while the disk or pipe behind it was
 * slow. pino flushes what is buffered when the process exits.
 */
function standardOutput(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, maxLength: LOG_BUFFER_BYTES });
}

/** JSON lines with ISO timestamps; pino's own format, so any log pipeline reads them. */
export function createLogger(level: string, destination = standardOutput()): Logger {
  return pino({ level, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
