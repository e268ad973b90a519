import { parseDuration } from "../audit/duration.js";
import { ANSWER_SHARE } from "./limits.js";

/** The most a webhook's timeoutSeconds may be (admissionregistration.k8s.io/v1 validates 1-30). */
const MOST_SECONDS = 30;

/**
 * How long meshtune has to answer a request, in ms. The apiserver adds `?timeout=<duration>` to
 * the webhook URL: the time its call has left, the webhook's timeoutSeconds at most, rounded up to
 * a second (k8s.io/apiserver's mutating dispatcher). meshtune answers within ANSWER_SHARE of it,
 * so its deadline follows whatever timeoutSeconds the webhook configuration says. A request
 * without one, or with less than a second (not from an apiserver), has `fallbackMs`,
 * --request-timeout.
 */
export function answerWithinMs(url: string | undefined, fallbackMs: number): number {
  const query = url?.indexOf("?") ?? -1;
  if (query < 0) return fallbackMs;
  const timeout = new URLSearchParams(url!.slice(query + 1)).get("timeout");
  const seconds = timeout === null ? undefined : parseDuration(timeout);
  // The apiserver rounds up to whole seconds; less comes from some other client, and would let it
  // mark the queue as shedding for everyone.
  if (seconds === undefined || !(seconds >= 1)) return fallbackMs;
  return Math.min(seconds, MOST_SECONDS) * ANSWER_SHARE * 1000;
}
