import * as k8s from "@kubernetes/client-node";
import { Certificate, Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { MutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { ConfigMap, Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import type { KubeObject } from "./render.js";

// Rendered objects are checked twice against the Kubernetes OpenAPI schema, offline:
// - kubernetes-models: JSON schemas compiled from the OpenAPI spec (types, required fields,
//   formats), and from the CRDs for cert-manager and the Prometheus operator;
// - @kubernetes/client-node's generated models, which list every field of every built-in type:
//   a field they do not know is one the apiserver would drop (or refuse with
//   fieldValidation=Strict), typically a typo or a mis-indented key.

interface Validatable {
  validate(): void;
}

type Model = new (data: never) => Validatable;

const MODELS: Record<string, { model: Model; clientType?: string }> = {
  "v1/Namespace": { model: Namespace, clientType: "V1Namespace" },
  "v1/ServiceAccount": { model: ServiceAccount, clientType: "V1ServiceAccount" },
  "v1/ConfigMap": { model: ConfigMap, clientType: "V1ConfigMap" },
  "v1/Service": { model: Service, clientType: "V1Service" },
  "apps/v1/Deployment": { model: Deployment, clientType: "V1Deployment" },
  "policy/v1/PodDisruptionBudget": {
    model: PodDisruptionBudget,
    clientType: "V1PodDisruptionBudget",
  },
  "networking.k8s.io/v1/NetworkPolicy": { model: NetworkPolicy, clientType: "V1NetworkPolicy" },
  "rbac.authorization.k8s.io/v1/Role": { model: Role, clientType: "V1Role" },
  "rbac.authorization.k8s.io/v1/RoleBinding": { model: RoleBinding, clientType: "V1RoleBinding" },
  "rbac.authorization.k8s.io/v1/ClusterRole": { model: ClusterRole, clientType: "V1ClusterRole" },
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": {
    model: ClusterRoleBinding,
    clientType: "V1ClusterRoleBinding",
  },
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": {
    model: MutatingWebhookConfiguration,
    clientType: "V1MutatingWebhookConfiguration",
  },
  "cert-manager.io/v1/Certificate": { model: Certificate },
  "cert-manager.io/v1/Issuer": { model: Issuer },
  "monitoring.coreos.com/v1/ServiceMonitor": { model: ServiceMonitor },
};

interface Attribute {
  baseName: string;
  type: string;
}

function attributesOf(typeName: string): Attribute[] | undefined {
  const model = (
    k8s as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>
  )[typeName];
  return model?.getAttributeTypeMap?.();
}

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

function unknownFields(value: unknown, typeName: string, path: string, problems: string[]): void {
  const element = ARRAY.exec(typeName)?.[1];
  if (element !== undefined) {
    if (Array.isArray(value))
      value.forEach((item, index) => unknownFields(item, element, `${path}[${index}]`, problems));
    return;
  }
  const mapped = MAP.exec(typeName)?.[1];
  const attributes = mapped === undefined ? attributesOf(typeName) : undefined;
  // Primitives and wrong types are the JSON schema's to report.
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (mapped !== undefined) {
      unknownFields(child, mapped, `${path}.${key}`, problems);
      continue;
    }
    if (attributes === undefined) continue;
    const attribute = attributes.find((candidate) => candidate.baseName === key);
    if (attribute === undefined) problems.push(`${path}.${key}: unknown field in ${typeName}`);
    else unknownFields(child, attribute.type, `${path}.${key}`, problems);
  }
}

/** Every way `object` breaks the Kubernetes schema, one line each; empty when it is valid. */
export function schemaProblems(object: KubeObject): string[] {
  const where = `${object.kind} ${object.metadata?.name ?? "(no name)"}`;
  const entry = MODELS[`${object.apiVersion}/${object.kind}`];
  if (entry === undefined)
    return [
      `${where}: no schema for ${object.apiVersion} ${object.kind}; add it to test/install/schema.ts`,
    ];
  const problems: string[] = [];
  try {
    new entry.model(object as never).validate();
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
  }
  if (entry.clientType !== undefined) {
    const unknown: string[] = [];
    unknownFields(object, entry.clientType, "", unknown);
    problems.push(...unknown.map((problem) => `${where}: ${problem.slice(1)}`));
  }
  return problems;
}
