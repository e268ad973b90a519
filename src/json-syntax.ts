/**
 * JSON.parse's complaint without the piece of the input V8 quotes in some messages
 * (`Unexpected token 'h', ..."env": hunter2"... is not valid JSON`): the input may hold secrets, and the
 * complaint ends up in logs, warnings and answers.
 */
export function jsonSyntaxProblem(error: unknown): string {
  return (error as Error).message.replace(/, .* is not valid JSON$/s, "");
}
