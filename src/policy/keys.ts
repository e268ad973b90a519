// The labels and annotations of meshtune's own; each mesh's keys live in its module in meshes/.

export const MESHTUNE = {
  profile: "meshtune.dev/profile",
  applied: "meshtune.dev/applied",
  warmup: "meshtune.dev/warmup",
  warmupContainer: "meshtune.dev/warmup-container",
  warmupModel: "meshtune.dev/warmup-model",
} as const;

export const PROFILE_OFF = "off";
