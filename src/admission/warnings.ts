import { fitLine, formatDecision, type Decision } from "../policy/decision.js";

/** Kubernetes asks webhooks to keep each warning within 120 characters. */
export const MAX_WARNING_LENGTH = 120;
const PREFIX = "meshtune: ";
const WIDTH = MAX_WARNING_LENGTH - PREFIX.length;
// Warnings travel in HTTP Warning headers: no control characters.
const CONTROL_CHARACTERS = /\p{Cc}+/gu;

/**
 * One admission warning: attributed to meshtune, on one line, within the allowed length. A
 * decision gives up its values' ends first, so its key and both values stay readable.
 */
export function admissionWarning(said: Decision | string): string {
  const line =
    typeof said === "string"
      ? fitLine(said, WIDTH)
      : formatDecision(said, { width: WIDTH, warning: true });
  return PREFIX + line.replace(CONTROL_CHARACTERS, " ");
}
