import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig, type V1PolicyRule } from "@kubernetes/client-node";
import fastJsonPatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { parseAllDocuments } from "yaml";
import { generateCA } from "../../src/certs/generate.js";
import type { KubeAccess } from "../../src/certs/kube-access.js";
import { generateLoopbackCert } from "../../src/certs/loopback.js";

// A stand-in for kube-apiserver that speaks the REST paths the self-signed mode uses, over real
// HTTPS, with resourceVersion conflicts as the apiserver has them, and authorizes each call
// against the Role and ClusterRole shipped in webhook/rbac.yaml.

type KubeObject = {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
} & Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  /** As RBAC sees the request: "get secrets", "patch mutatingwebhookconfigurations". */
  permission: string;
  status: number;
}

interface Gate {
  matches: (method: string, path: string) => boolean;
  count: number;
  waiting: (() => void)[];
}

const SECRET_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/;
const WEBHOOK_PATH =
  /^\/apis\/admissionregistration\.k8s\.io\/v1\/mutatingwebhookconfigurations\/([^/]+)$/;
const VERBS: Record<string, string> = { GET: "get", POST: "create", PUT: "update", PATCH: "patch" };

function rulesFromShippedRbac(): { namespaced: V1PolicyRule[]; cluster: V1PolicyRule[] } {
  const text = readFileSync(new URL("../../webhook/rbac.yaml", import.meta.url), "utf8");
  const objects = parseAllDocuments(text).map(
    (document) => document.toJS() as { kind: string; rules?: V1PolicyRule[] },
  );
  const rules = (kind: string) =>
    objects.filter((object) => object.kind === kind).flatMap((object) => object.rules ?? []);
  return { namespaced: rules("Role"), cluster: rules("ClusterRole") };
}

function allows(
  rules: V1PolicyRule[],
  group: string,
  resource: string,
  verb: string,
  name: string | undefined,
): boolean {
  return rules.some(
    (rule) =>
      (rule.apiGroups ?? []).includes(group) &&
      (rule.resources ?? []).includes(resource) &&
      rule.verbs.includes(verb) &&
      (rule.resourceNames === undefined ||
        (name !== undefined && rule.resourceNames.includes(name))),
  );
}

function status(code: number, reason: string, message: string) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    reason,
    message,
    code,
  };
}

export class FakeApiServer {
  readonly secrets = new Map<string, KubeObject>();
  readonly webhookConfigurations = new Map<string, KubeObject>();
  readonly requests: RecordedRequest[] = [];
  readonly #rbac = rulesFromShippedRbac();
  readonly #gates: Gate[] = [];
  #resourceVersion = 100;
  #server: Server | undefined;
  #ca = "";

  constructor(readonly namespace: string) {}

  async start(): Promise<void> {
    const ca = generateCA({ commonName: "fake-apiserver-ca", validityDays: 1 });
    const serving = generateLoopbackCert(ca, 1);
    this.#ca = ca.cert;
    this.#server = createServer(
      { cert: serving.cert, key: serving.key },
      (request, response) => void this.#handle(request, response),
    );
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  /** Every "verb resource" the shipped Role and ClusterRole grant. */
  grantedPermissions(): string[] {
    const rules = [...this.#rbac.namespaced, ...this.#rbac.cluster];
    return [
      ...new Set(
        rules.flatMap((rule) =>
          (rule.resources ?? []).flatMap((resource) =>
            rule.verbs.map((verb) => `${verb} ${resource}`),
          ),
        ),
      ),
    ];
  }

  /** Forgets every object, request and gate, as a new apiserver would. */
  reset(): void {
    this.secrets.clear();
    this.webhookConfigurations.clear();
    this.requests.length = 0;
    this.#gates.length = 0;
  }

  /** A kubeconfig for a service account token user, as @kubernetes/client-node writes one. */
  kubeConfig(): KubeConfig {
    const { port } = this.#server?.address() as AddressInfo;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [
        {
          name: "fake",
          server: `https://127.0.0.1:${port}`,
          caData: Buffer.from(this.#ca).toString("base64"),
        },
      ],
      users: [{ name: "meshtune", token: "service-account-token" }],
      contexts: [{ name: "fake", cluster: "fake", user: "meshtune" }],
      currentContext: "fake",
    });
    return kubeConfig;
  }

  /** The API as the certificate keeper reaches it: a service account token and the CA. */
  access(): KubeAccess {
    const { port } = this.#server?.address() as AddressInfo;
    return {
      server: `https://127.0.0.1:${port}`,
      ca: this.#ca,
      token: () => "service-account-token",
      source: "the fake apiserver",
    };
  }

  /** Holds requests matching `matches` until `count` of them wait, then lets all through at once. */
  gate(count: number, matches: (method: string, path: string) => boolean): void {
    this.#gates.push({ matches, count, waiting: [] });
  }

  addWebhookConfiguration(object: KubeObject): void {
    this.webhookConfigurations.set(object.metadata?.name ?? "", this.#stamp(object));
  }

  secret(name: string): KubeObject | undefined {
    return this.secrets.get(name);
  }

  #stamp(object: KubeObject): KubeObject {
    return {
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(++this.#resourceVersion) },
    };
  }

  async #pass(method: string, path: string): Promise<void> {
    const gate = this.#gates.find((candidate) => candidate.matches(method, path));
    if (gate === undefined) return;
    await new Promise<void>((resolve) => {
      gate.waiting.push(resolve);
      if (gate.waiting.length < gate.count) return;
      this.#gates.splice(this.#gates.indexOf(gate), 1);
      for (const release of gate.waiting) release();
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? "";
    const path = new URL(request.url ?? "/", "https://fake").pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body =
      chunks.length === 0
        ? undefined
        : (JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown);
    await this.#pass(method, path);
    const [code, answer] = this.#answer(method, path, request.headers, body);
    const resource = SECRET_PATH.test(path)
      ? "secrets"
      : WEBHOOK_PATH.test(path)
        ? "mutatingwebhookconfigurations"
        : path;
    this.requests.push({
      method,
      path,
      permission: `${VERBS[method] ?? method} ${resource}`,
      status: code,
    });
    response.writeHead(code, { "content-type": "application/json" });
    response.end(JSON.stringify(answer));
  }

  #answer(
    method: string,
    path: string,
    headers: IncomingMessage["headers"],
    body: unknown,
  ): [number, unknown] {
    if (headers.authorization !== "Bearer service-account-token")
      return [401, status(401, "Unauthorized", "no token")];
    const secret = SECRET_PATH.exec(path);
    if (secret) return this.#secrets(method, secret[1] ?? "", secret[2], body as KubeObject);
    const webhook = WEBHOOK_PATH.exec(path);
    if (webhook)
      return this.#webhook(method, webhook[1] ?? "", headers["content-type"], body as Operation[]);
    return [404, status(404, "NotFound", `no route for ${method} ${path}`)];
  }

  #forbidden(verb: string, resource: string, name: string | undefined): [number, unknown] {
    return [403, status(403, "Forbidden", `cannot ${verb} ${resource} ${name ?? ""}`)];
  }

  #secrets(
    method: string,
    namespace: string,
    name: string | undefined,
    body: KubeObject,
  ): [number, unknown] {
    const verb = VERBS[method] ?? method;
    if (namespace !== this.namespace || !allows(this.#rbac.namespaced, "", "secrets", verb, name)) {
      return this.#forbidden(verb, "secrets", name);
    }
    if (method === "GET" && name !== undefined) return this.#readSecret(name);
    if (method === "POST" && name === undefined) return this.#createSecret(body);
    if (method === "PUT" && name !== undefined) return this.#replaceSecret(name, body);
    return [405, status(405, "MethodNotAllowed", `${method} is not supported here`)];
  }

  #readSecret(name: string): [number, unknown] {
    const existing = this.secrets.get(name);
    return existing
      ? [200, existing]
      : [404, status(404, "NotFound", `secrets "${name}" not found`)];
  }

  #createSecret(body: KubeObject): [number, unknown] {
    const name = body.metadata?.name ?? "";
    if (this.secrets.has(name))
      return [409, status(409, "AlreadyExists", `secrets "${name}" already exists`)];
    const stored = this.#stamp(body);
    this.secrets.set(name, stored);
    return [201, stored];
  }

  // As the apiserver does: a PUT naming a resourceVersion succeeds only if it is still current.
  #replaceSecret(name: string, body: KubeObject): [number, unknown] {
    const existing = this.secrets.get(name);
    if (!existing) return [404, status(404, "NotFound", `secrets "${name}" not found`)];
    const wanted = body.metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== existing.metadata?.resourceVersion) {
      return [
        409,
        status(
          409,
          "Conflict",
          `Operation cannot be fulfilled on secrets "${name}": the object has been modified`,
        ),
      ];
    }
    const stored = this.#stamp(body);
    this.secrets.set(name, stored);
    return [200, stored];
  }

  #webhook(
    method: string,
    name: string,
    contentType: string | undefined,
    patch: Operation[],
  ): [number, unknown] {
    const verb = VERBS[method] ?? method;
    if (
      !allows(
        this.#rbac.cluster,
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        verb,
        name,
      )
    ) {
      return this.#forbidden(verb, "mutatingwebhookconfigurations", name);
    }
    const existing = this.webhookConfigurations.get(name);
    if (!existing)
      return [404, status(404, "NotFound", `mutatingwebhookconfigurations "${name}" not found`)];
    if (method === "GET") return [200, existing];
    if (method !== "PATCH")
      return [405, status(405, "MethodNotAllowed", `${method} is not supported here`)];
    if (contentType !== "application/json-patch+json")
      return [415, status(415, "UnsupportedMediaType", String(contentType))];
    try {
      const patched = fastJsonPatch.applyPatch(
        structuredClone(existing),
        patch,
        true,
        false,
      ).newDocument;
      const stored = this.#stamp(patched);
      this.webhookConfigurations.set(name, stored);
      return [200, stored];
    } catch (error) {
      return [422, status(422, "Invalid", (error as Error).message)];
    }
  }
}
