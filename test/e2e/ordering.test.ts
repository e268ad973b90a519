import type {
  V1LabelSelector,
  V1MutatingWebhookConfiguration,
  V1Pod,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { MESHTUNE } from "../../src/policy/keys.js";
import { istioProxy, proxyResources, startIstio, type IstioInjector } from "./istio.js";
import {
  OPTED_IN,
  probePod,
  startMeshtuneCluster,
  type MeshtuneCluster,
} from "./meshtune-cluster.js";
import { createPod, fixtureIn, storedPod } from "./pods.js";
import {
  startRecordingWebhook,
  type Recorded,
  type RecordingWebhook,
} from "./recording-webhook.js";
import { apply, pointedAt, untilAdmission } from "./webhook-registration.js";

interface Registration {
  configuration: string;
  webhook: string;
  path: string;
  namespaceSelector: V1LabelSelector;
}

// The apiserver calls mutating configurations one at a time, sorted by name: meshtune's
// 00-meshtune before istio-* and linkerd-*. Istio's is its real injector. Linkerd's cannot be
// built here (the Go module proxy serves no github.com/linkerd/linkerd2), so a recorder stands in,
// registered as Linkerd registers its injector (name, path, selector, policy). A third recorder
// sorts before 00-meshtune, to show that the order comes from the names.
const LINKERD: Registration = {
  configuration: "linkerd-proxy-injector-webhook-config",
  webhook: "linkerd-proxy-injector.linkerd.io",
  path: "/",
  namespaceSelector: {
    matchExpressions: [
      { key: "config.linkerd.io/admission-webhooks", operator: "NotIn", values: ["disabled"] },
    ],
  },
};
const EARLIER: Registration = {
  configuration: "0-sorts-before-meshtune",
  webhook: "earlier.e2e.meshtune.dev",
  path: "/earlier",
  namespaceSelector: { matchLabels: { "meshtune.dev/enabled": "true" } },
};
const REGISTRATIONS = [LINKERD, EARLIER];

function recorderConfiguration(registration: Registration): V1MutatingWebhookConfiguration {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: registration.configuration },
    webhooks: [
      {
        name: registration.webhook,
        admissionReviewVersions: ["v1beta1", "v1"],
        clientConfig: { service: { name: "injector", namespace: "mesh", path: registration.path } },
        rules: [
          { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] },
        ],
        sideEffects: "None",
        failurePolicy: "Fail",
        reinvocationPolicy: "Never",
        namespaceSelector: registration.namespaceSelector,
      },
    ],
  };
}

let env: MeshtuneCluster;
let istio: IstioInjector;
let recorder: RecordingWebhook;

/** What the recorder received for the pod named `name` at `registration`'s path. */
function receivedBy(registration: Registration, name: string): Recorded[] {
  return recorder.received.filter(
    ({ path, pod }) => path === registration.path && pod.metadata?.name === name,
  );
}

/** The one review `registration` received for `name`: reinvocationPolicy Never means one call. */
function receivedOnce(registration: Registration, name: string): Recorded {
  const received = receivedBy(registration, name);
  expect(received, `reviews of ${name} at ${registration.path}`).toHaveLength(1);
  return received[0] as Recorded;
}

const appliedProfile = (pod: V1Pod | undefined) => pod?.metadata?.annotations?.[MESHTUNE.applied];

const SIZES = proxyResources(loadConfig().profiles[0]!.sidecar.istio);

beforeAll(async () => {
  env = await startMeshtuneCluster();
  await env.cluster.kubectl(["label", "namespace", OPTED_IN, "istio-injection=enabled"]);
  istio = await startIstio(env.cluster);
  recorder = await startRecordingWebhook();
  for (const registration of REGISTRATIONS) {
    await apply(env.cluster, pointedAt(recorderConfiguration(registration), recorder.endpoint));
  }
  await untilAdmission(
    env.cluster,
    probePod(),
    () => REGISTRATIONS.every((registration) => receivedBy(registration, "webhook-probe").length),
    "call the recording webhooks",
  );
});

afterAll(async () => {
  await recorder?.close();
  await istio?.stop();
  await env?.stop();
});

describe("the order of mutating webhooks in a real kube-apiserver", () => {
  it("runs Istio's injector after meshtune: istio-proxy comes out with meshtune's sizes", async () => {
    const pod = fixtureIn("vllm-deployment", OPTED_IN, "llama-3-8b-0");
    await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, OPTED_IN, "llama-3-8b-0");
    expect(appliedProfile(stored)).toBe("gpu-inference");
    expect(stored.metadata?.annotations?.["sidecar.istio.io/status"]).toBeDefined();
    expect(istioProxy(stored)?.resources).toEqual(SIZES);
  });

  it("sends it to Linkerd's injector tuned too", () => {
    const { pod: seen } = receivedOnce(LINKERD, "llama-3-8b-0");
    expect(appliedProfile(seen)).toBe("gpu-inference");
    expect(seen.metadata?.annotations?.["config.linkerd.io/proxy-cpu-limit"]).toBeDefined();
  });

  it("sends it untouched to a webhook whose name sorts before 00-meshtune", () => {
    const { pod: seen } = receivedOnce(EARLIER, "llama-3-8b-0");
    expect(seen.metadata?.annotations).toBeUndefined();
    expect(seen.spec?.containers[0]?.lifecycle).toBeUndefined();
  });

  it("runs both on a server-side dry run, so kubectl previews the tuned sidecar", async () => {
    const pod = fixtureIn("sglang-pod", OPTED_IN, "qwen-sglang-preview");
    const { pod: previewed } = await createPod(env.cluster, pod, { dryRun: true });

    expect(appliedProfile(previewed)).toBe("gpu-inference");
    expect(istioProxy(previewed)?.resources).toEqual(SIZES);
    const { dryRun, pod: seen } = receivedOnce(LINKERD, "qwen-sglang-preview");
    expect(dryRun).toBe(true);
    expect(seen.metadata?.annotations).toEqual(previewed.metadata?.annotations);
  });
});
