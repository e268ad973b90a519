/** The audit could not run; the message is one sentence saying what to do. Exit code 2. */
export class AuditError extends Error {
  override name = "AuditError";
}
