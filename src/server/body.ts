import type { IncomingMessage } from "node:http";
import { jsonSyntaxProblem } from "../json-syntax.js";
import type { BodyBudget } from "./body-budget.js";
import { readFairly } from "./fair-read.js";
import { MAX_BODY_BYTES, RETRY_AFTER_SECONDS } from "./limits.js";
import { HttpError } from "./status.js";

const JSON_TYPE = /^application\/json\s*(;|$)/i;

function tooLarge(bytes: string): HttpError {
  return new HttpError(
    413,
    `the body is ${bytes} bytes, over the limit of ${MAX_BODY_BYTES} bytes; an AdmissionReview is never this large`,
  );
}

function overBudget(): HttpError {
  return new HttpError(
    429,
    `meshtune holds as many request bodies as its memory allows; retry in ${RETRY_AFTER_SECONDS} s`,
  );
}

function declaredLength(req: IncomingMessage): number {
  const header = req.headers["content-length"];
  return header === undefined ? NaN : Number(header);
}

/**
 * Why a body must be refused before any of it is read, or undefined: the wrong Content-Type, a
 * declared length over the limit, or no room in the budget for it now.
 */
export function refusalBeforeBody(req: IncomingMessage, budget: BodyBudget): HttpError | undefined {
  const type = req.headers["content-type"];
  if (type === undefined || !JSON_TYPE.test(type)) {
    return new HttpError(
      415,
      `Content-Type must be application/json; it is ${type === undefined ? "missing" : JSON.stringify(type)}`,
    );
  }
  const declared = declaredLength(req);
  if (declared > MAX_BODY_BYTES) return tooLarge(String(declared));
  if (!budget.fits(declared)) return overBudget();
  return undefined;
}

/** A body read into memory; `release` gives its bytes back to the budget once it is answered. */
export interface Body {
  bytes: Buffer;
  release(): void;
}

/**
 * Reads a request body that refusalBeforeBody let through, each chunk taken from `budget` as it
 * arrives. A body that grows too large, finds the budget spent, or is still arriving when `signal`
 * aborts is refused at once: what it held goes back, and the rest is left to the caller's answer
 * (see answerBeforeBodyEnds).
 */
export function readBody(
  req: IncomingMessage,
  budget: BodyBudget,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Body> {
  const small = budget.isSmall(declaredLength(req));
  // Not `for await`: leaving that loop early destroys the request, and with it the socket the
  // answer must go out on.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const detach = () => {
      stopReading();
      req.off("end", onEnd).off("close", onClose);
      signal.removeEventListener("abort", onAbort);
    };
    const stop = (error: Error) => {
      detach();
      budget.give(size);
      reject(error);
    };
    const stopReading = readFairly(req, (chunk) => {
      if (size + chunk.length > MAX_BODY_BYTES) {
        stop(tooLarge(`more than ${MAX_BODY_BYTES}`));
      } else if (!budget.take(chunk.length, small)) {
        stop(overBudget());
      } else {
        size += chunk.length;
        chunks.push(chunk);
      }
    });
    const onEnd = () => {
      detach();
      let released = false;
      const release = () => {
        if (!released) budget.give(size);
        released = true;
      };
      resolve({ bytes: Buffer.concat(chunks, size), release });
    };
    const onClose = () =>
      stop(new HttpError(400, "the client closed the connection before sending the whole body"));
    const onAbort = () =>
      stop(new HttpError(408, `the review did not arrive within ${Math.round(timeoutMs)} ms`));
    req.once("end", onEnd).once("close", onClose);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The body, decoded as UTF-8, as JSON; HttpError 400 when it is empty or not JSON. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0)
    throw new HttpError(400, "the body is empty; send an AdmissionReview as JSON");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${jsonSyntaxProblem(error)}`);
  }
}
