import type { AdmissionReviewResponse } from "../src/admission/review.js";
import { postJson } from "../src/cli/https-client.js";
import type { Answer } from "./connection.js";
import type { LoadTarget } from "./load.js";
import type { Judgement } from "./open-loop.js";

export interface CheckOptions {
  ca: string;
  uid: string;
  /** Whether the answer must carry a JSON Patch (meshtune's and the same-bytes floor's do). */
  patched: boolean;
  /** The name the server's certificate carries, when it is not the URL's host. */
  servername?: string;
}

/**
 * Whether `body` is meshtune's answer to the review `uid` when it shed it (see admit.ts's shed):
 * allowed, no patch, and the warning that says why. Under overload it is a right answer.
 */
function isShedAnswer(body: string, uid: string): boolean {
  try {
    const { response } = JSON.parse(body) as AdmissionReviewResponse;
    return (
      response.uid === uid &&
      response.allowed &&
      response.patch === undefined &&
      response.warnings?.length === 1 &&
      response.warnings[0]!.startsWith("meshtune: overloaded: ")
    );
  } catch {
    return false;
  }
}

/**
 * Sends the review twice with a client that verifies the server's certificate against `ca`, checks
 * the answer (200, the request's uid, allowed, and a JSON Patch when `patched`), and returns the
 * load target with that answer as the one every response under load must equal. The two answers
 * must be identical: a server whose answer varies could not be checked byte for byte.
 */
export async function checkedTarget(
  url: string,
  body: string,
  options: CheckOptions,
): Promise<LoadTarget> {
  const answer = async () => {
    const response = await postJson(url, body, { ca: options.ca, servername: options.servername });
    if (response.status !== 200)
      throw new Error(`${url} answered ${response.status}, not 200: ${response.body}`);
    return response.body;
  };
  const first = await answer();
  if ((await answer()) !== first) throw new Error(`${url} answered the same review differently`);
  const { response } = JSON.parse(first) as AdmissionReviewResponse;
  if (response.uid !== options.uid || !response.allowed)
    throw new Error(`${url} did not allow the review with its uid: ${first}`);
  if (options.patched && response.patchType !== "JSONPatch")
    throw new Error(`${url} sent no JSON Patch for a pod it should change: ${first}`);
  return { url, body, expected: first, alsoRight: (each) => isShedAnswer(each, options.uid) };
}

/** How the open-loop client judges an answer from `target`'s server. */
export function judgeAnswer(target: LoadTarget, uid: string): (answer: Answer) => Judgement {
  return ({ status, body }) => {
    if (status !== 200) return "wrong";
    if (body === target.expected) return "expected";
    return isShedAnswer(body, uid) ? "shed" : "wrong";
  };
}
