import type { IncomingMessage } from "node:http";
import { jsonSyntaxProblem } from "../json-syntax.js";
import { HttpError } from "./status.js";

/**
 * The largest AdmissionReview meshtune reads: two objects of up to 3 MiB (etcd's limit, with
 * room) plus 1 MiB for the rest, as controller-runtime sizes it.
 */
export const MAX_BODY_BYTES = 7 * 1024 * 1024;

const JSON_TYPE = /^application\/json\s*(;|$)/i;

function tooLarge(bytes: string, limit: number): HttpError {
  return new HttpError(
    413,
    `the body is ${bytes} bytes, over the limit of ${limit} bytes; an AdmissionReview is never this large`,
  );
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0)
    throw new HttpError(400, "the body is empty; send an AdmissionReview as JSON");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${jsonSyntaxProblem(error)}`);
  }
}

/**
 * Reads and parses a JSON request body of at most `limit` bytes. A body declared too large is
 * refused before any of it is read, and one that grows too large while streaming is refused as
 * soon as it crosses the limit; the rest is discarded unread.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = req.headers["content-type"];
  if (type === undefined || !JSON_TYPE.test(type)) {
    throw new HttpError(
      415,
      `Content-Type must be application/json; it is ${type === undefined ? "missing" : JSON.stringify(type)}`,
    );
  }
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) throw tooLarge(String(declared), limit);

  const body = await collect(req, limit);
  return parseJson(body);
}

// Not `for await`: leaving that loop early destroys the request, and with it the socket the
// 413 answer must go out on.
function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error) => {
      req.off("data", onData).off("end", onEnd).off("close", onClose);
      req.resume(); // what is left of the body flows on and is dropped
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) stop(tooLarge(`more than ${limit}`, limit));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      req.off("close", onClose);
      resolve(Buffer.concat(chunks, size));
    };
    const onClose = () =>
      stop(new HttpError(400, "the client closed the connection before sending the whole body"));
    req.on("data", onData).once("end", onEnd).once("close", onClose);
  });
}
