import type { V1Status } from "@kubernetes/client-node";
import type { Response } from "express";

/** A request meshtune refuses, with the HTTP status and a sentence saying what to fix. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Answers with a metav1.Status: the apiserver shows its message in the webhook call error,
 * so whoever created the pod learns what went wrong.
 */
export function sendStatus(res: Response, code: number, message: string): void {
  const status: V1Status = { apiVersion: "v1", kind: "Status", status: "Failure", code, message };
  res.status(code).json(status);
}
