import { z } from "zod";
import { configSchema } from "../../src/config/schema.js";
import { LOG_LEVELS } from "../../src/server/logger.js";

// The chart's values, as zod: values.schema.json is generated from this, so `helm install` and
// `helm template` refuse a typo or a bad value with the path of it, before anything is rendered.
// Kubernetes objects passed through as they are (resources, affinity, ...) are only typed as
// objects: the apiserver checks them.

const kubernetesObject = z.record(z.string(), z.unknown());
const stringMap = z.record(z.string(), z.string());
const port = z.number().int().min(1).max(65535);

const chartValuesSchema = z.strictObject({
  nameOverride: z.string().describe("replaces the chart's name in object names and labels"),
  fullnameOverride: z.string().describe("replaces the object names whole"),
  createNamespace: z
    .boolean()
    .describe("render the release's Namespace too (for helm template); helm install: leave it off"),
  image: z.strictObject({
    repository: z.string().min(1),
    tag: z.string().describe("defaults to the chart's appVersion"),
    digest: z
      .string()
      .regex(/^(sha256:[a-f0-9]{64})?$/, "must be empty or sha256:<64 hex>")
      .describe("sha256:<64 hex> pins the image and wins over the tag"),
    pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]),
  }),
  imagePullSecrets: z.array(z.strictObject({ name: z.string().min(1) })),
  replicas: z.number().int().min(1),
  resources: kubernetesObject,
  logLevel: z.enum(LOG_LEVELS),
  // Overrides: what the user gives is merged into the shipped file, so nothing is required but a
  // profile's name, and every key and value is checked as meshtune checks it.
  config: z.unknown().describe("overrides merged into the shipped config/meshtune.yaml"),
  webhook: z.strictObject({
    failurePolicy: z.enum(["Ignore", "Fail"]),
    timeoutSeconds: z.number().int().min(1).max(30).describe("the apiserver accepts 1 to 30"),
    objectSelector: kubernetesObject,
    gpuPrefilter: z.strictObject({ enabled: z.boolean() }),
    matchConditions: z.array(
      z.strictObject({ name: z.string().min(1), expression: z.string().min(1) }),
    ),
  }),
  certificates: z.strictObject({
    mode: z.enum(["self-signed", "cert-manager", "secret"]),
    secretName: z.string(),
    selfSigned: z.strictObject({ validityDays: z.number().int().min(1) }),
    certManager: z.strictObject({
      issuerRef: kubernetesObject,
      duration: z.string().min(1),
      renewBefore: z.string().min(1),
    }),
    caBundle: z.string(),
  }),
  metrics: z.strictObject({
    port,
    service: z.strictObject({ enabled: z.boolean() }),
    serviceMonitor: z.strictObject({
      enabled: z.boolean(),
      interval: z.string().min(1),
      labels: stringMap,
    }),
  }),
  podDisruptionBudget: z.strictObject({
    enabled: z.boolean(),
    minAvailable: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]),
  }),
  networkPolicy: z.strictObject({
    enabled: z.boolean(),
    metricsFrom: z.array(kubernetesObject),
  }),
  priorityClassName: z.string(),
  topologySpreadConstraints: z.array(kubernetesObject),
  serviceAccount: z.strictObject({ annotations: stringMap }),
  podAnnotations: stringMap,
  podLabels: stringMap,
  nodeSelector: stringMap,
  tolerations: z.array(kubernetesObject),
  affinity: kubernetesObject,
  podSecurityContext: kubernetesObject,
  securityContext: kubernetesObject,
});

/** JSON Schema draft 7, which Helm 3 and 4 both read. */
export function chartValuesJsonSchema(): Record<string, unknown> {
  const values = z.toJSONSchema(chartValuesSchema, { target: "draft-7", io: "input" });
  const config = z.toJSONSchema(configSchema, { target: "draft-7", io: "input" });
  delete config.$schema;
  // Every value has a default in values.yaml, so none is required of the user.
  const properties = values.properties as Record<string, Record<string, unknown>>;
  return { ...values, required: undefined, properties: { ...properties, config } };
}
