import type { V1Pod } from "@kubernetes/client-node";
import fastJsonPatch from "fast-json-patch";
import { admissionWarning } from "../../src/admission/warnings.js";
import type { Config } from "../../src/config/schema.js";
import { mutatePod } from "../../src/engine.js";
import type { LogLine } from "../server/harness.js";

/**
 * What meshtune's own engine makes of `pod` as the apiserver sends it for admission, with the
 * default it fills in that meshtune reads (terminationGracePeriodSeconds: 30): the pod with its
 * patch applied, and its warnings.
 */
export function tunedByEngine(pod: V1Pod, config: Config): { pod: V1Pod; warnings: string[] } {
  const sent = structuredClone(pod);
  sent.spec!.terminationGracePeriodSeconds ??= 30;
  const { plan, patch } = mutatePod(sent, { namespace: pod.metadata?.namespace ?? "" }, config);
  const tuned = fastJsonPatch.applyPatch(sent, patch, true, false).newDocument;
  return { pod: tuned, warnings: plan.warnings.map(admissionWarning) };
}

/** One line meshtune logged per review it answered. */
export interface ReviewLine extends LogLine {
  namespace?: string;
  name?: string;
  generateName?: string;
  dryRun: boolean;
  outcome: string;
  profile?: string;
  skipped?: string;
}

/** The reviews meshtune logged, for pods in `namespace`. */
export function reviewsLogged(logs: LogLine[], namespace: string): ReviewLine[] {
  return logs.filter(
    (line): line is ReviewLine => line.msg === "review" && line.namespace === namespace,
  );
}
