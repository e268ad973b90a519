/** Kubernetes asks webhooks to keep each warning within 120 characters. */
export const MAX_WARNING_LENGTH = 120;
const PREFIX = "meshtune: ";
// Warnings travel in HTTP Warning headers: no control characters, and an ASCII ellipsis.
const CONTROL_CHARACTERS = /\p{Cc}+/gu;

/** One admission warning: attributed to meshtune, on one line, cut to the allowed length. */
export function admissionWarning(line: string): string {
  const text = PREFIX + line.replace(CONTROL_CHARACTERS, " ");
  return text.length <= MAX_WARNING_LENGTH ? text : `${text.slice(0, MAX_WARNING_LENGTH - 3)}...`;
}
