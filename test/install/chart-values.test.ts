import type { V1NetworkPolicy, V1Service, V1ServiceAccount } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { generateCA, serviceDnsNames } from "../../src/certs/generate.js";
import { parseConfig } from "../../src/config/load.js";
import { argument, clusterRole, deployment, only, role, webhook, webhooks } from "./objects.js";
import { helmTemplate, identity, type HelmOptions, type KubeObject } from "./render.js";
import { schemaProblems } from "./schema.js";

const caBundle = Buffer.from(generateCA({ validityDays: 1 }).cert).toString("base64");
const digest = `sha256:${"a".repeat(64)}`;

const certManager = helmTemplate({ values: { certificates: { mode: "cert-manager" } } });
const certManagerWithIssuer = helmTemplate({
  values: {
    certificates: {
      mode: "cert-manager",
      certManager: {
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "internal-ca" },
      },
    },
  },
});
const existingSecret = helmTemplate({
  values: { certificates: { mode: "secret", secretName: "meshtune-serving", caBundle } },
});
const platform = helmTemplate({
  release: "gpu",
  namespace: "platform",
  kubeVersion: "1.34.0",
  values: {
    image: { repository: "registry.example.com/meshtune", digest },
    replicas: 3,
    resources: { requests: { cpu: "200m", memory: "192Mi" }, limits: { memory: "384Mi" } },
    logLevel: "debug",
    config: {
      warmup: { timeoutSeconds: 600 },
      namespaceLabel: { key: "platform.example.com/gpu-mesh", value: "on" },
      excludedNamespaces: ["kube-system", "gpu-operator"],
    },
    webhook: {
      failurePolicy: "Fail",
      timeoutSeconds: 10,
      objectSelector: {
        matchExpressions: [{ key: "meshtune.dev/profile", operator: "NotIn", values: ["off"] }],
      },
      gpuPrefilter: { enabled: true },
      matchConditions: [
        {
          name: "not-a-job",
          expression:
            "!has(object.metadata.labels) || !('batch.kubernetes.io/job-name' in object.metadata.labels)",
        },
      ],
    },
    metrics: { serviceMonitor: { enabled: true, labels: { release: "prometheus" } } },
    networkPolicy: { enabled: true },
    priorityClassName: "system-cluster-critical",
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { "app.kubernetes.io/instance": "{{ .Release.Name }}" } },
      },
    ],
  },
});

const tlsVolume = (objects: KubeObject[]) => {
  const pod = deployment(objects).spec?.template.spec;
  const mount = pod?.containers[0]?.volumeMounts?.find(
    (candidate) => candidate.mountPath === argument(objects, "tls-dir"),
  );
  return { mount, volume: pod?.volumes?.find((candidate) => candidate.name === mount?.name) };
};

function renderError(options: HelmOptions): string {
  try {
    helmTemplate(options);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the chart rendered");
}

describe("the Helm chart with other values", () => {
  it.each([
    ["cert-manager", certManager],
    ["cert-manager with an issuer", certManagerWithIssuer],
    ["an existing Secret", existingSecret],
    ["a tuned platform install", platform],
  ])(
    "renders objects valid against the Kubernetes schema, all uninstalled with the release, for %s",
    (_name, objects) => {
      expect(objects.flatMap(schemaProblems)).toEqual([]);
      const kept = objects.filter((object) =>
        Object.keys(object.metadata.annotations ?? {}).some((key) => key.startsWith("helm.sh/")),
      );
      expect(kept.map(identity)).toEqual([]);
    },
  );

  it("has cert-manager issue the certificate and inject the caBundle, with no API access for meshtune", () => {
    const certificate = only<{ metadata: { name: string }; spec: Record<string, unknown> }>(
      certManager,
      "Certificate",
    );
    expect(certificate.spec).toMatchObject({
      secretName: tlsVolume(certManager).volume?.secret?.secretName,
      dnsNames: serviceDnsNames("meshtune", "meshtune"),
      issuerRef: { kind: "Issuer", name: only(certManager, "Issuer").metadata.name },
    });
    expect(only(certManager, "Issuer")).toMatchObject({ spec: { selfSigned: {} } });
    expect(only(certManager, "MutatingWebhookConfiguration").metadata.annotations).toEqual({
      "cert-manager.io/inject-ca-from": `meshtune/${certificate.metadata.name}`,
    });
    expect(tlsVolume(certManager).mount?.readOnly).toBe(true);
    expect(argument(certManager, "self-signed-secret")).toBeUndefined();
    expect(certManager.filter((object) => /Role/.test(object.kind))).toEqual([]);
    expect(only<V1ServiceAccount>(certManager, "ServiceAccount").automountServiceAccountToken).toBe(
      false,
    );
    expect(deployment(certManager).spec?.template.spec?.automountServiceAccountToken).toBe(false);
  });

  it("uses the issuer it is given instead of making one", () => {
    expect(certManagerWithIssuer.filter((object) => object.kind === "Issuer")).toEqual([]);
    expect(only(certManagerWithIssuer, "Certificate")).toMatchObject({
      spec: { issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "internal-ca" } },
    });
  });

  it("serves an existing Secret and trusts the caBundle it is given", () => {
    expect(webhook(existingSecret).clientConfig.caBundle).toBe(caBundle);
    expect(tlsVolume(existingSecret).volume?.secret?.secretName).toBe("meshtune-serving");
    expect(existingSecret.filter((object) => /Role|Certificate|Issuer/.test(object.kind))).toEqual(
      [],
    );
  });

  it.each([0, 1])("applies the webhook settings it is given, to both webhooks (%i)", (index) => {
    const settings = webhooks(platform)[index]!;
    expect(settings).toMatchObject({
      failurePolicy: "Fail",
      timeoutSeconds: 10,
      clientConfig: { service: { name: "gpu-meshtune", namespace: "platform" } },
      namespaceSelector: {
        matchLabels: { "platform.example.com/gpu-mesh": "on" },
        matchExpressions: [
          {
            key: "kubernetes.io/metadata.name",
            operator: "NotIn",
            values: ["kube-system", "gpu-operator", "platform"],
          },
          { key: "istio.io/dataplane-mode", operator: ["NotIn", "In"][index] },
        ],
      },
      objectSelector: {
        matchExpressions: [{ key: "meshtune.dev/profile", operator: "NotIn", values: ["off"] }],
      },
    });
    expect(settings.matchConditions?.map((condition) => condition.name)).toEqual([
      "gpu-or-accelerator-pod",
      "not-a-job",
    ]);
  });

  it("names everything after the release, consistently between the flags, the RBAC and the Service", () => {
    expect(argument(platform, "self-signed-service")).toBe("gpu-meshtune");
    expect(role(platform).rules?.[0]?.resourceNames).toEqual([
      argument(platform, "self-signed-secret"),
    ]);
    expect(argument(platform, "self-signed-secret")).toBe("gpu-meshtune-tls");
    expect(clusterRole(platform).rules?.[0]?.resourceNames).toEqual([
      argument(platform, "self-signed-webhook"),
    ]);
    expect(only(platform, "ClusterRoleBinding")).toMatchObject({
      subjects: [{ name: "gpu-meshtune", namespace: "platform" }],
    });
  });

  it("runs the pod as asked: image digest, replicas, resources, priority, spread, log level", () => {
    const spec = deployment(platform).spec;
    const container = spec?.template.spec?.containers[0];
    expect(container?.image).toBe(`registry.example.com/meshtune@${digest}`);
    expect(spec?.replicas).toBe(3);
    expect(container?.resources).toEqual({
      requests: { cpu: "200m", memory: "192Mi" },
      limits: { memory: "384Mi" },
    });
    expect(spec?.template.spec?.priorityClassName).toBe("system-cluster-critical");
    expect(spec?.template.spec?.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { "app.kubernetes.io/instance": "gpu" } },
      },
    ]);
    expect(argument(platform, "log-level")).toBe("debug");
  });

  it("merges config values into the shipped config", () => {
    const configMap = only<{ data: Record<string, string> }>(platform, "ConfigMap");
    const config = parseConfig(configMap.data["meshtune.yaml"] ?? "", "the chart's ConfigMap");
    expect(config.warmup.timeoutSeconds).toBe(600);
    expect(config.warmup.pollIntervalSeconds).toBe(2);
    expect(config.namespaceLabel).toEqual({ key: "platform.example.com/gpu-mesh", value: "on" });
    expect(config.profiles.map((profile) => profile.name)).toEqual(["gpu-inference"]);
  });

  it("names its objects after fullnameOverride or nameOverride", () => {
    const full = helmTemplate({ values: { fullnameOverride: "gpu-webhook" } });
    expect(deployment(full).metadata?.name).toBe("gpu-webhook");
    expect(webhook(full).clientConfig.service?.name).toBe("gpu-webhook");
    expect(argument(full, "self-signed-service")).toBe("gpu-webhook");
    const named = helmTemplate({ release: "ml", values: { nameOverride: "tuner" } });
    expect(deployment(named).metadata?.name).toBe("ml-tuner");
    expect(deployment(named).spec?.selector.matchLabels?.["app.kubernetes.io/name"]).toBe("tuner");
  });

  it("scrapes the metrics Service with a ServiceMonitor Prometheus selects", () => {
    const monitor = only<{
      metadata: KubeObject["metadata"];
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    }>(platform, "ServiceMonitor");
    expect(monitor.metadata.labels?.release).toBe("prometheus");
    const metrics = only<V1Service>(platform, "Service", "gpu-meshtune-metrics");
    expect(metrics.metadata?.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(metrics.spec?.ports?.map((port) => port.name)).toContain(
      monitor.spec.endpoints[0]?.port,
    );
  });

  it("lets the apiserver reach the webhook port and only the monitoring namespace reach metrics", () => {
    const policy = only<V1NetworkPolicy>(platform, "NetworkPolicy");
    expect(deployment(platform).spec?.template.metadata?.labels).toMatchObject(
      policy.spec?.podSelector?.matchLabels ?? { missing: true },
    );
    expect(policy.spec?.ingress).toEqual([
      { ports: [{ port: "https", protocol: "TCP" }] },
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
        ],
        ports: [{ port: "metrics", protocol: "TCP" }],
      },
    ]);
    const portNames = deployment(platform).spec?.template.spec?.containers[0]?.ports?.map(
      (port) => port.name,
    );
    expect(portNames).toEqual(expect.arrayContaining(["https", "metrics"]));
  });

  it("has no PodDisruptionBudget with a single replica, which would block node drains", () => {
    const single = helmTemplate({ values: { replicas: 1 } });
    expect(single.some((object) => object.kind === "PodDisruptionBudget")).toBe(false);
    expect(platform.some((object) => object.kind === "PodDisruptionBudget")).toBe(true);
  });

  it.each<[string, HelmOptions, string]>([
    [
      "an unknown certificate mode",
      { values: { certificates: { mode: "vault" } } },
      "at '/certificates/mode': value must be one of 'self-signed', 'cert-manager', 'secret'",
    ],
    [
      "a Secret without its caBundle",
      { values: { certificates: { mode: "secret", secretName: "tls" } } },
      "certificates.caBundle is required with certificates.mode=secret",
    ],
    [
      "an unnamed Secret",
      { values: { certificates: { mode: "secret", caBundle } } },
      "certificates.secretName is required with certificates.mode=secret",
    ],
    [
      "an unknown failurePolicy",
      { values: { webhook: { failurePolicy: "Sometimes" } } },
      "at '/webhook/failurePolicy': value must be one of 'Ignore', 'Fail'",
    ],
    [
      "a timeout the apiserver refuses",
      { values: { webhook: { timeoutSeconds: 31 } } },
      "at '/webhook/timeoutSeconds': maximum: got 31, want 30",
    ],
    [
      "a ServiceMonitor without its Service",
      { values: { metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } } },
      "metrics.serviceMonitor.enabled needs metrics.service.enabled",
    ],
    [
      "Kubernetes older than 1.34, the oldest release the e2e suite runs",
      { kubeVersion: "1.33.5" },
      "chart requires kubeVersion: >=1.34.0-0",
    ],
    [
      "a profile without a name (a list index set alone replaces the list)",
      { values: { config: { profiles: [{ warmup: false }] } } },
      "at '/config/profiles/0': missing property 'name'",
    ],
    [
      "a misspelt config key",
      { values: { config: { selektion: { dra: false } } } },
      "at '/config': additional properties 'selektion' not allowed",
    ],
    [
      "a log level meshtune does not know",
      { values: { logLevel: "verbose" } },
      "at '/logLevel': value must be one of",
    ],
    [
      "a digest that is not one",
      { values: { image: { digest: "latest" } } },
      "at '/image/digest': 'latest' does not match pattern",
    ],
    [
      "a metrics port that is the HTTPS port",
      { values: { metrics: { port: 8443 } } },
      "metrics.port 8443 is the port meshtune serves admission reviews on; choose another",
    ],
    [
      "an empty GPU resource prefix, which would match every resource",
      { values: { config: { selection: { gpuResources: { prefixes: [""] } } } } },
      "at '/config/selection/gpuResources/prefixes/0': minLength: got 0, want 1",
    ],
    [
      "a value the chart does not have",
      { values: { webhook: { namespaceLabel: { key: "a", value: "b" } } } },
      "at '/webhook': additional properties 'namespaceLabel' not allowed",
    ],
  ])("refuses %s, saying which value to change", (_name, options, message) => {
    expect(renderError(options)).toContain(message);
  });
});
