import { z } from "zod";
import { isResourceQuantity, parseQuantity } from "./quantity.js";
import { istioImageProblem, linkerdRepositoryProblem, linkerdVersionProblem } from "./images.js";

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

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
  })
  .meta({ title: "quantity" });

function imageRef(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const why = problem(value);
    if (why) ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} ${why}` });
  });
}

const labelSelector = z.strictObject({
  matchLabels: z.record(labelKey, z.string()).optional().describe("labels that must all be set"),
  matchExpressions: z
    .array(
      z.strictObject({
        key: labelKey,
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
        values: z.array(z.string()).default([]),
      }),
    )
    .optional()
    .describe("Kubernetes selector expressions (In, NotIn, Exists, DoesNotExist)"),
});

const resources = {
  cpuRequest: quantity.describe("the proxy's CPU request"),
  cpuLimit: quantity.describe("the proxy's CPU limit"),
  memoryRequest: quantity.describe("the proxy's memory request"),
  memoryLimit: quantity.describe("the proxy's memory limit; a request must not exceed its limit"),
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
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe("Envoy worker threads, 1-256; unset: ceil(cpuLimit), never the node's core count"),
    image: imageRef(istioImageProblem)
      .optional()
      .describe('pinned proxy image: contains "/", with a tag other than latest, or a digest'),
  })
  .superRefine(requestWithinLimit)
  .describe("the istio-proxy sidecar");

const linkerdSidecar = z
  .strictObject({
    cpuRequest: resources.cpuRequest.default("200m"),
    cpuLimit: resources.cpuLimit.default("1"),
    memoryRequest: resources.memoryRequest.default("128Mi"),
    memoryLimit: resources.memoryLimit.default("512Mi"),
    image: imageRef(linkerdRepositoryProblem)
      .optional()
      .describe("pinned proxy repository, without tag; goes with version"),
    version: imageRef(linkerdVersionProblem)
      .optional()
      .describe("the proxy image's tag; goes with image"),
    initImage: imageRef(linkerdRepositoryProblem)
      .optional()
      .describe("pinned proxy-init repository, no tag, for Linkerd ≤ 2.19; goes with initVersion"),
    initVersion: imageRef(linkerdVersionProblem)
      .optional()
      .describe("the proxy-init image's tag; goes with initImage"),
  })
  .superRefine(requestWithinLimit)
  .superRefine((value, ctx) => {
    for (const [image, version, what] of [
      ["image", "version", "Linkerd renders <image>:<version>"],
      ["initImage", "initVersion", "Linkerd renders <initImage>:<initVersion>"],
    ] as const) {
      if ((value[image] === undefined) !== (value[version] === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: [value[image] === undefined ? image : version],
          message: `${image} and ${version} go together: ${what}; set both or neither`,
        });
      }
    }
    if (value.initImage !== undefined && value.image === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["initImage"],
        message: "pins proxy-init alongside a pinned proxy: set image and version too",
      });
    }
  })
  .describe("the linkerd-proxy sidecar");

const streams = z.strictObject({
  longestSeconds: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(300)
    .describe(
      "the longest stream (one generation) the pods serve, 1-86400 s: shutdown lets it finish, no timeout may cut it",
    ),
});

const atLeastOne = z.number().int().min(1);

const floors = z.strictObject({
  maxConnections: atLeastOne
    .default(1000)
    .describe("the lowest DestinationRule tcp.maxConnections that does not starve the GPU"),
  http1MaxPendingRequests: atLeastOne
    .default(10_000)
    .describe("the lowest http.http1MaxPendingRequests"),
  http2MaxRequests: atLeastOne.default(10_000).describe("the lowest http.http2MaxRequests"),
  requestBodyBytes: quantity
    .default("10Mi")
    .describe("the smallest request body an EnvoyFilter buffer limit may allow"),
});

export const MESHES = ["istio", "linkerd"] as const;
const SIGNALS = ["gpu", "dra", "runtimeClass", "inferenceLabel", "modelServer"] as const;
const SIDECAR_MODES = ["native", "classic", "mesh-default"] as const;

const profile = z.strictObject({
  name: z
    .string()
    .regex(DNS_LABEL, "must be a lowercase DNS label (a-z, 0-9, -)")
    .max(63)
    .refine((name) => name !== "off", '"off" is reserved: meshtune.dev/profile: off opts a pod out')
    .describe("a lowercase DNS label, unique; off is reserved"),
  description: z.string().optional().describe("what the profile is for, for people"),
  match: z
    .strictObject({
      signals: z
        .array(z.enum(SIGNALS))
        .min(1)
        .default([...SIGNALS])
        .describe("the signals that qualify a pod; any one is enough"),
      podSelector: labelSelector.optional().describe("a label selector the pod must also match"),
      batch: z
        .boolean()
        .optional()
        .describe("true: only batch pods (README, Lifecycle); false: only the others; unset: both"),
    })
    .prefault({})
    .describe("which pods the profile applies to"),
  mode: z
    .enum(["tune", "opt-out"])
    .default("tune")
    .describe("tune: size and pin the sidecars; opt-out: keep the pod out of the mesh"),
  meshes: z
    .array(z.enum(MESHES))
    .min(1)
    .optional()
    .describe("the meshes this profile configures; unset: the top-level meshes"),
  sidecar: z
    .strictObject({
      mode: z
        .enum(SIDECAR_MODES)
        .default("native")
        .describe("native, classic or mesh-default (README, Lifecycle); batch pods get native"),
      istio: istioSidecar.prefault({}),
      linkerd: linkerdSidecar.prefault({}),
    })
    .prefault({})
    .describe("how the proxies run, their sizes and pinned images, per mesh"),
  warmup: z
    .boolean()
    .default(false)
    .describe("add warmup hooks to recognised model-server containers"),
  streams: streams
    .prefault({})
    .describe(
      "the streams (requests) the profile's pods serve, which a shutdown lets finish and the audit protects",
    ),
  floors: floors
    .prefault({})
    .describe("what `meshtune audit` expects of the Service-level objects in front of the pods"),
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
      .default([...MESHES])
      .describe("the meshes to configure; each ignores the other's annotations"),
    excludedNamespaces: z
      .array(z.string().regex(DNS_LABEL, "must be a namespace name"))
      .default(["kube-system", "meshtune"])
      .describe(
        "pods here are never changed, nor sent by the chart's webhook; kube-system always is",
      ),
    namespaceLabel: z
      .strictObject({
        key: labelKey.default("meshtune.dev/enabled").describe("the label's key"),
        value: z
          .string()
          .max(63)
          .regex(LABEL_VALUE, "must be a label value (a-z, A-Z, 0-9, -, _, .)")
          .default("true")
          .describe("the label's value"),
      })
      .prefault({})
      .describe("the label that opts a namespace in: the webhook's namespaceSelector"),
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
              ])
              .describe("extended-resource names that mean an accelerator"),
            prefixes: z
              .array(z.string().min(1))
              .default(["nvidia.com/mig-", "gpu.intel.com/", "aws.amazon.com/neuron"])
              .describe("extended-resource name prefixes that mean an accelerator"),
          })
          .prefault({})
          .describe("resources a container requests or limits (a count of 0 asks for none)"),
        dra: z.boolean().default(true).describe("spec.resourceClaims (DRA) make a candidate"),
        runtimeClassNames: z
          .array(z.string().min(1))
          .default(["nvidia", "nvidia-cdi"])
          .describe("runtime classes that make a candidate"),
        inferenceSelectors: z
          .array(labelSelector)
          .default(DEFAULT_SELECTORS)
          .describe("label selectors; a pod matching any is a candidate"),
        modelServers: z
          .boolean()
          .default(true)
          .describe("recognised model-server containers (vLLM, TGI, ...) make a candidate"),
      })
      .prefault({})
      .describe("what makes a pod a GPU or inference pod"),
    warmup: z
      .strictObject({
        timeoutSeconds: z
          .number()
          .int()
          .min(10)
          .max(3600)
          .default(900)
          .describe("the longest one warmup may take (health wait plus warm request), 10-3600"),
        pollIntervalSeconds: z
          .number()
          .int()
          .min(1)
          .max(60)
          .default(2)
          .describe("pause between two health checks, 1-60"),
        probePeriodSeconds: z
          .number()
          .int()
          .min(1)
          .max(60)
          .default(5)
          .describe("periodSeconds of the startupProbe that waits for the warmup, 1-60"),
      })
      .prefault({})
      .describe("the warmup hooks of profiles with warmup: true"),
    lifecycle: z
      .strictObject({
        nativeSidecars: z
          .boolean()
          .default(true)
          .describe("false before Kubernetes 1.29 (no native sidecars): every sidecar is classic"),
        raiseGracePeriod: z
          .boolean()
          .default(true)
          .describe(
            "raise terminationGracePeriodSeconds from 30 to cover the drain (README, Lifecycle)",
          ),
        preStopSeconds: z
          .number()
          .int()
          .min(0)
          .max(60)
          .default(5)
          .describe(
            "pause before SIGTERM on model servers while endpoints drop the pod, 0-60; 0: none",
          ),
        preStopAction: z
          .enum(["sleep", "exec"])
          .default("sleep")
          .describe(
            "sleep: the Kubernetes sleep action; exec: sleep in the container (before 1.30)",
          ),
      })
      .prefault({})
      .describe("how pods start and stop: native sidecars, grace period, preStop pause"),
    onInternalError: z
      .enum(["allow", "deny"])
      .default("allow")
      .describe("when planning fails inside meshtune: admit the pod unmodified, or refuse it"),
    profiles: z.array(profile).default([]).describe("ordered: the first whose match holds applies"),
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
export type SidecarMode = (typeof SIDECAR_MODES)[number];
