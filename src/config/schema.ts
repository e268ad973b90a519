import { z } from "zod";
import { isResourceQuantity, parseQuantity } from "./quantity.js";
import { istioImageProblem, linkerdRepositoryProblem, linkerdVersionProblem } from "./images.js";

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const labelKey = z.string().refine((key) => LABEL_KEY.test(key) && key.length <= 316, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a valid label key`,
});

// YAML turns `cpuLimit: 2` into a number; a quantity may be written either way.
const quantity = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine(isResourceQuantity, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a Kubernetes quantity (e.g. 500m, 2, 1Gi)`,
  });

function imageRef(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const why = problem(value);
    if (why) ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} ${why}` });
  });
}

const labelSelector = z.strictObject({
  matchLabels: z.record(labelKey, z.string()).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: labelKey,
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
        values: z.array(z.string()).default([]),
      }),
    )
    .optional(),
});

const resources = {
  cpuRequest: quantity,
  cpuLimit: quantity,
  memoryRequest: quantity,
  memoryLimit: quantity,
};

function requestWithinLimit(
  value: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string },
  ctx: z.RefinementCtx,
) {
  for (const [request, limit] of [
    ["cpuRequest", "cpuLimit"],
    ["memoryRequest", "memoryLimit"],
  ] as const) {
    const [requested, limited] = [parseQuantity(value[request]), parseQuantity(value[limit])];
    // An unparsable value has its own error already.
    if (requested !== undefined && limited !== undefined && requested > limited) {
      ctx.addIssue({
        code: "custom",
        path: [request],
        message: `${value[request]} is more than ${limit} ${value[limit]}; a request must not exceed its limit`,
      });
    }
  }
}

const istioSidecar = z
  .strictObject({
    cpuRequest: resources.cpuRequest.default("500m"),
    cpuLimit: resources.cpuLimit.default("2"),
    memoryRequest: resources.memoryRequest.default("256Mi"),
    memoryLimit: resources.memoryLimit.default("1Gi"),
    /** Envoy worker threads; unset means ceil(cpuLimit), never the node's core count. */
    concurrency: z.number().int().min(1).max(256).optional(),
    image: imageRef(istioImageProblem).optional(),
  })
  .superRefine(requestWithinLimit);

const linkerdSidecar = z
  .strictObject({
    cpuRequest: resources.cpuRequest.default("200m"),
    cpuLimit: resources.cpuLimit.default("1"),
    memoryRequest: resources.memoryRequest.default("128Mi"),
    memoryLimit: resources.memoryLimit.default("512Mi"),
    image: imageRef(linkerdRepositoryProblem).optional(),
    version: imageRef(linkerdVersionProblem).optional(),
  })
  .superRefine(requestWithinLimit)
  .superRefine((value, ctx) => {
    if ((value.image === undefined) !== (value.version === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [value.image === undefined ? "image" : "version"],
        message:
          "image and version go together: Linkerd renders <image>:<version>; set both or neither",
      });
    }
  });

/** The longest stream (one generation) the profile's pods serve; the audit's timeout floor. */
const streams = z.strictObject({
  longestSeconds: z.number().int().min(1).max(86_400).default(300),
});

const atLeastOne = z.number().int().min(1);

/** What `meshtune audit` expects of the Service-level objects in front of the profile's pods. */
const floors = z.strictObject({
  maxConnections: atLeastOne.default(1000),
  http1MaxPendingRequests: atLeastOne.default(10_000),
  http2MaxRequests: atLeastOne.default(10_000),
  requestBodyBytes: quantity.default("10Mi"),
});

export const MESHES = ["istio", "linkerd"] as const;
export const SIGNALS = ["gpu", "dra", "runtimeClass", "inferenceLabel", "modelServer"] as const;

const profile = z.strictObject({
  name: z
    .string()
    .regex(DNS_LABEL, "must be a lowercase DNS label (a-z, 0-9, -)")
    .max(63)
    .refine(
      (name) => name !== "off",
      '"off" is reserved: meshtune.dev/profile: off opts a pod out',
    ),
  description: z.string().optional(),
  match: z
    .strictObject({
      /** Which classification signals qualify a pod; any one of them is enough. */
      signals: z
        .array(z.enum(SIGNALS))
        .min(1)
        .default([...SIGNALS]),
      /** The pod's labels must also match this selector. */
      podSelector: labelSelector.optional(),
    })
    .prefault({}),
  /** tune: size and pin the sidecars; opt-out: keep the pod out of the mesh. */
  mode: z.enum(["tune", "opt-out"]).default("tune"),
  /** Meshes this profile configures; defaults to the top-level list. */
  meshes: z.array(z.enum(MESHES)).min(1).optional(),
  sidecar: z
    .strictObject({
      istio: istioSidecar.prefault({}),
      linkerd: linkerdSidecar.prefault({}),
    })
    .prefault({}),
  warmup: z.boolean().default(false),
  streams: streams.prefault({}),
  floors: floors.prefault({}),
});

const DEFAULT_SELECTORS = [
  {
    matchExpressions: [
      { key: "serving.kserve.io/inferenceservice", operator: "Exists" as const, values: [] },
    ],
  },
  { matchLabels: { "meshtune.dev/workload": "inference" } },
];

export const configSchema = z
  .strictObject({
    meshes: z
      .array(z.enum(MESHES))
      .min(1)
      .default([...MESHES]),
    excludedNamespaces: z
      .array(z.string().regex(DNS_LABEL, "must be a namespace name"))
      .default(["kube-system", "meshtune"]),
    selection: z
      .strictObject({
        gpuResources: z
          .strictObject({
            names: z
              .array(z.string().min(1))
              .default([
                "nvidia.com/gpu",
                "nvidia.com/gpu.shared",
                "amd.com/gpu",
                "habana.ai/gaudi",
                "google.com/tpu",
              ]),
            prefixes: z
              .array(z.string().min(1))
              .default(["nvidia.com/mig-", "gpu.intel.com/", "aws.amazon.com/neuron"]),
          })
          .prefault({}),
        dra: z.boolean().default(true),
        runtimeClassNames: z.array(z.string().min(1)).default(["nvidia", "nvidia-cdi"]),
        inferenceSelectors: z.array(labelSelector).default(DEFAULT_SELECTORS),
        modelServers: z.boolean().default(true),
      })
      .prefault({}),
    warmup: z
      .strictObject({
        /** Upper bound on one warmup: waiting for health plus the warm request. */
        timeoutSeconds: z.number().int().min(10).max(3600).default(900),
        /** Pause between two health checks while the server starts. */
        pollIntervalSeconds: z.number().int().min(1).max(60).default(2),
        /** periodSeconds of the startupProbe that waits for the warmup marker. */
        probePeriodSeconds: z.number().int().min(1).max(60).default(5),
      })
      .prefault({}),
    /** What the webhook answers when planning throws: admit unmodified, or deny. */
    onInternalError: z.enum(["allow", "deny"]).default("allow"),
    profiles: z.array(profile).default([]),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.profiles.forEach((p, index) => {
      if (seen.has(p.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["profiles", index, "name"],
          message: `"${p.name}" is used by an earlier profile; names must be unique`,
        });
      }
      seen.add(p.name);
    });
  });

export type Config = z.output<typeof configSchema>;
export type Profile = Config["profiles"][number];
export type LabelSelector = z.output<typeof labelSelector>;
export type Mesh = (typeof MESHES)[number];
export type Signal = (typeof SIGNALS)[number];
