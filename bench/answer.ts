import type { AdmissionReviewResponse } from "../src/admission/review.js";
import { postJson } from "../src/cli/https-client.js";
import type { LoadTarget } from "./load.js";

/**
 * Sends the review twice with a client that verifies the server's certificate against `ca`, checks
 * the answer (200, the request's uid, allowed, and a JSON Patch when `patched`), and returns the
 * load target with that answer as the one every response under load must equal. The two answers
 * must be identical: a server whose answer varies could not be checked byte for byte.
 */
export async function checkedTarget(
  url: string,
  body: string,
  options: { ca: string; uid: string; patched: boolean },
): Promise<LoadTarget> {
  const answer = async () => {
    const response = await postJson(url, body, { ca: options.ca });
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
  return { url, body, expected: first };
}
