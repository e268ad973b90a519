import type { Config, Profile } from "../config/schema.js";
import { batchReason } from "./batch.js";
import type { Evidence } from "./classify.js";
import type { Decision } from "./decision.js";
import { MESHTUNE, PROFILE_OFF } from "./keys.js";
import type { PodShape } from "./pod.js";
import { matchesSelector } from "./selector.js";

export type ProfileChoice =
  | { profile: Profile; why: Decision }
  | { skipped: Decision; /** the pod asked for something meshtune could not do */ warn: boolean };

/** The profile the pod names with meshtune.dev/profile (annotation first, then label). */
function requestedProfile(pod: PodShape): string | undefined {
  return pod.metadata?.annotations?.[MESHTUNE.profile] ?? pod.metadata?.labels?.[MESHTUNE.profile];
}

function matches(profile: Profile, evidence: Evidence[], pod: PodShape): boolean {
  const { signals, podSelector, batch } = profile.match;
  if (!evidence.some(({ signal }) => signals.includes(signal))) return false;
  if (batch !== undefined && (batchReason(pod) !== undefined) !== batch) return false;
  return podSelector === undefined || matchesSelector(pod.metadata?.labels ?? {}, podSelector);
}

const chosen = (profile: Profile, code: "profile-named" | "profile-matched"): ProfileChoice => ({
  profile,
  why: { kind: "profile", code, ours: profile.name, detail: profile.mode, key: MESHTUNE.profile },
});

const skip = (code: Decision["code"], warn: boolean, fields: Partial<Decision> = {}) => ({
  skipped: { kind: "skipped" as const, code, ...fields },
  warn,
});

export function chooseProfile(pod: PodShape, evidence: Evidence[], config: Config): ProfileChoice {
  const requested = requestedProfile(pod);
  if (requested === PROFILE_OFF)
    return skip("skipped-profile-off", true, { key: MESHTUNE.profile });
  if (requested !== undefined) {
    const named = config.profiles.find((profile) => profile.name === requested);
    if (named) return chosen(named, "profile-named");
    const known = config.profiles.map((profile) => profile.name).join(", ") || "none";
    return skip("skipped-unknown-profile", true, {
      key: MESHTUNE.profile,
      theirs: requested,
      detail: known,
    });
  }
  if (evidence.length === 0) return skip("skipped-not-candidate", false);
  const first = config.profiles.find((profile) => matches(profile, evidence, pod));
  if (first) return chosen(first, "profile-matched");
  return skip("skipped-no-profile", false);
}
