import type { V1MutatingWebhook } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from "../../src/config/load.js";
import {
  argument,
  clusterRole,
  deployment,
  only,
  role,
  webhook,
  webhooks,
  webhookService,
} from "./objects.js";
import { helmLint, helmTemplate, identity } from "./render.js";
import { schemaProblems } from "./schema.js";

const objects = helmTemplate();
const pod = deployment(objects).spec?.template.spec;
const container = pod?.containers[0];

describe("the Helm chart with default values", () => {
  it("passes helm lint --strict", () => {
    expect(helmLint()).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("renders the webhook's objects, each valid against the Kubernetes schema", () => {
    expect(objects.map(identity).sort()).toEqual([
      "ClusterRole//meshtune",
      "ClusterRoleBinding//meshtune",
      "ConfigMap/meshtune/meshtune-config",
      "Deployment/meshtune/meshtune",
      "MutatingWebhookConfiguration//00-meshtune",
      "PodDisruptionBudget/meshtune/meshtune",
      "Role/meshtune/meshtune",
      "RoleBinding/meshtune/meshtune",
      "Service/meshtune/meshtune",
      "Service/meshtune/meshtune-metrics",
      "ServiceAccount/meshtune/meshtune",
    ]);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
  });

  it("names the webhook configuration so the apiserver calls it before the mesh injectors", () => {
    const names = [
      "istio-sidecar-injector",
      "istio-revision-tag-default",
      "linkerd-proxy-injector-webhook-config",
      "00-meshtune",
    ];
    const byteOrder = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(byteOrder[0]).toBe(only(objects, "MutatingWebhookConfiguration").metadata.name);
  });

  it("sends only pod CREATEs from opted-in namespaces, never kube-system or its own", () => {
    expect(webhook(objects)).toMatchObject({
      name: "pods.meshtune.dev",
      admissionReviewVersions: ["v1"],
      sideEffects: "None",
      reinvocationPolicy: "Never",
      failurePolicy: "Ignore",
      timeoutSeconds: 5,
      rules: [
        {
          operations: ["CREATE"],
          apiGroups: [""],
          apiVersions: ["v1"],
          resources: ["pods"],
          scope: "Namespaced",
        },
      ],
      namespaceSelector: {
        matchLabels: { "meshtune.dev/enabled": "true" },
        matchExpressions: [
          {
            key: "kubernetes.io/metadata.name",
            operator: "NotIn",
            values: ["kube-system", "meshtune"],
          },
          { key: "istio.io/dataplane-mode", operator: "NotIn", values: ["ambient"] },
        ],
      },
    });
    expect(webhook(objects).objectSelector).toBeUndefined();
    expect(webhook(objects).matchConditions).toBeUndefined();
  });

  it("sends the pods of Istio ambient namespaces to /mutate/ambient, through a twin webhook", () => {
    const [pods, ambient] = webhooks(objects);
    const dataplane = (hook: V1MutatingWebhook) =>
      hook.namespaceSelector?.matchExpressions?.find(
        ({ key }) => key === "istio.io/dataplane-mode",
      );
    // Mutually exclusive: NotIn also takes a namespace without the label.
    expect(dataplane(pods)).toEqual({
      key: "istio.io/dataplane-mode",
      operator: "NotIn",
      values: ["ambient"],
    });
    expect(dataplane(ambient)).toEqual({
      key: "istio.io/dataplane-mode",
      operator: "In",
      values: ["ambient"],
    });
    expect(ambient.name).toBe("ambient-pods.meshtune.dev");
    expect(ambient.clientConfig.service?.path).toBe("/mutate/ambient");
    // Everything else is the same.
    const rest = (hook: V1MutatingWebhook) => {
      const copy = structuredClone(hook);
      copy.name = "";
      copy.clientConfig.service!.path = "";
      copy.namespaceSelector!.matchExpressions = copy.namespaceSelector!.matchExpressions!.filter(
        ({ key }) => key !== "istio.io/dataplane-mode",
      );
      return copy;
    };
    expect(rest(ambient)).toEqual(rest(pods));
  });

  it("points the webhook at the Service in front of the HTTPS port meshtune serves on", () => {
    const { service } = webhook(objects).clientConfig;
    expect(service).toMatchObject({ namespace: "meshtune", path: "/mutate", port: 443 });
    const port = webhookService(objects, service?.name ?? "").spec?.ports?.find(
      (candidate) => candidate.port === 443,
    );
    const https = container?.ports?.find((candidate) => candidate.name === port?.targetPort);
    expect(https?.containerPort).toBe(Number(argument(objects, "port")));
  });

  it("runs two hardened replicas that meet the restricted Pod Security Standard", () => {
    expect(deployment(objects).spec?.replicas).toBe(2);
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(
      pod?.volumes?.every((volume) => volume.configMap ?? volume.secret ?? volume.emptyDir),
    ).toBe(true);
    expect(only(objects, "PodDisruptionBudget")).toMatchObject({ spec: { minAvailable: 1 } });
  });

  it("keeps self-signed certificates in a memory-backed directory the server reads", () => {
    const tlsMount = container?.volumeMounts?.find(
      (mount) => mount.mountPath === argument(objects, "tls-dir"),
    );
    const volume = pod?.volumes?.find((candidate) => candidate.name === tlsMount?.name);
    expect(volume?.emptyDir).toEqual({ medium: "Memory", sizeLimit: "1Mi" });
    expect(argument(objects, "self-signed-secret")).toBe("meshtune-tls");
    expect(argument(objects, "self-signed-service")).toBe(
      webhook(objects).clientConfig.service?.name,
    );
    expect(argument(objects, "self-signed-webhook")).toBe("00-meshtune");
    expect(container?.env).toContainEqual({
      name: "POD_NAMESPACE",
      valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } },
    });
  });

  it("mounts the shipped config where --config points", () => {
    const configPath = argument(objects, "config") ?? "";
    const mount = container?.volumeMounts?.find((candidate) =>
      configPath.startsWith(`${candidate.mountPath}/`),
    );
    const volume = pod?.volumes?.find((candidate) => candidate.name === mount?.name);
    const configMap = only<{ data: Record<string, string> }>(
      objects,
      "ConfigMap",
      volume?.configMap?.name,
    );
    const text = configMap.data[configPath.slice((mount?.mountPath.length ?? 0) + 1)] ?? "";
    expect(parseConfig(text, "the chart's ConfigMap")).toEqual(loadConfig(DEFAULT_CONFIG_PATH));
  });

  it("grants its own Secret and its own webhook configuration, nothing else", () => {
    expect(role(objects).rules).toEqual([
      {
        apiGroups: [""],
        resources: ["secrets"],
        resourceNames: [argument(objects, "self-signed-secret")],
        verbs: ["get", "update"],
      },
      { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
    ]);
    expect(clusterRole(objects).rules).toEqual([
      {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: ["mutatingwebhookconfigurations"],
        resourceNames: ["00-meshtune"],
        verbs: ["get", "patch"],
      },
    ]);
    const bindings = objects.filter((object) => object.kind.endsWith("Binding")) as unknown as {
      subjects: unknown[];
    }[];
    for (const binding of bindings) {
      expect(binding.subjects).toEqual([
        { kind: "ServiceAccount", name: "meshtune", namespace: "meshtune" },
      ]);
    }
  });

  it("is uninstalled whole: no object is a hook or kept behind, the webhook configuration included", () => {
    for (const object of objects) {
      const annotations = Object.keys(object.metadata.annotations ?? {});
      expect(
        annotations.filter((key) => key.startsWith("helm.sh/")),
        identity(object),
      ).toEqual([]);
    }
    expect(only(objects, "MutatingWebhookConfiguration")).toBeDefined();
  });
});
