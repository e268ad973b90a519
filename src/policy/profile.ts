import type { Config, Profile } from "../config/schema.js";
import type { Evidence } from "./classify.js";
import { MESHTUNE, PROFILE_OFF } from "./keys.js";
import type { PodShape } from "./plan.js";
import { matchesSelector } from "./selector.js";

export type ProfileChoice =
  | { profile: Profile; why: string }
  | { skipped: string; /** the pod asked for something meshtune could not do */ warn: boolean };

/** The profile the pod names with meshtune.dev/profile (annotation first, then label). */
export function requestedProfile(pod: PodShape): string | undefined {
  return pod.metadata?.annotations?.[MESHTUNE.profile] ?? pod.metadata?.labels?.[MESHTUNE.profile];
}

function matches(profile: Profile, evidence: Evidence[], pod: PodShape): boolean {
  const { signals, podSelector } = profile.match;
  if (!evidence.some(({ signal }) => signals.includes(signal))) return false;
  return podSelector === undefined || matchesSelector(pod.metadata?.labels ?? {}, podSelector);
}

export function chooseProfile(pod: PodShape, evidence: Evidence[], config: Config): ProfileChoice {
  const requested = requestedProfile(pod);
  if (requested === PROFILE_OFF)
    return { skipped: `the pod opts out (${MESHTUNE.profile}: off)`, warn: true };
  if (requested !== undefined) {
    const named = config.profiles.find((profile) => profile.name === requested);
    if (named) return { profile: named, why: `named by ${MESHTUNE.profile}` };
    const known = config.profiles.map((profile) => profile.name).join(", ") || "none";
    return {
      skipped: `unknown profile "${requested}" in ${MESHTUNE.profile} (known: ${known}); pod left unchanged`,
      warn: true,
    };
  }
  if (evidence.length === 0) return { skipped: "not a GPU or inference pod", warn: false };
  const first = config.profiles.find((profile) => matches(profile, evidence, pod));
  if (first) return { profile: first, why: "first profile whose match holds" };
  return { skipped: "no profile matches this pod", warn: false };
}
