import type {
  V1LabelSelector,
  V1MutatingWebhookConfiguration,
  V1Pod,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MESHTUNE } from "../../src/policy/keys.js";
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

// Registered as the meshes register their injectors (names, paths, selectors, policies), all
// answered by one recorder. The apiserver calls mutating configurations one at a time, sorted by
// name: meshtune's 00-meshtune before istio-* and linkerd-*. The third sorts before 00-meshtune,
// to show that the order comes from the names and that the recorder can tell.
const ISTIO: Registration = {
  configuration: "istio-sidecar-injector",
  webhook: "namespace.sidecar-injector.istio.io",
  path: "/inject",
  namespaceSelector: { matchLabels: { "istio-injection": "enabled" } },
};
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
const REGISTRATIONS = [ISTIO, LINKERD, EARLIER];

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

beforeAll(async () => {
  env = await startMeshtuneCluster();
  recorder = await startRecordingWebhook();
  await env.cluster.kubectl(["label", "namespace", OPTED_IN, "istio-injection=enabled"]);
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
  await env?.stop();
});

describe("the order of mutating webhooks in a real kube-apiserver", () => {
  it("sends the pod to istio-sidecar-injector with meshtune's changes already on it", async () => {
    const pod = fixtureIn("vllm-deployment", OPTED_IN, "llama-3-8b-0");
    await createPod(env.cluster, pod);
    const stored = await storedPod(env.cluster, OPTED_IN, "llama-3-8b-0");
    expect(appliedProfile(stored)).toBe("gpu-inference");

    const { dryRun, pod: seen } = receivedOnce(ISTIO, "llama-3-8b-0");
    expect(dryRun).toBe(false);
    // Everything meshtune writes is there when the injector reads the pod.
    expect(seen.metadata?.annotations).toEqual(stored.metadata?.annotations);
    expect(seen.metadata?.labels).toEqual(stored.metadata?.labels);
    const [injected, kept] = [seen.spec?.containers[0], stored.spec?.containers[0]];
    expect(injected?.lifecycle).toEqual(kept?.lifecycle);
    expect(injected?.startupProbe).toEqual(kept?.startupProbe);
    expect(seen.spec?.volumes).toEqual(stored.spec?.volumes);
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

  it("sends the injector the tuned pod on a server-side dry run, as kubectl previews it", async () => {
    const pod = fixtureIn("sglang-pod", OPTED_IN, "qwen-sglang-preview");
    const { pod: previewed } = await createPod(env.cluster, pod, { dryRun: true });

    const { dryRun, pod: seen } = receivedOnce(ISTIO, "qwen-sglang-preview");
    expect(dryRun).toBe(true);
    expect(appliedProfile(seen)).toBe("gpu-inference");
    expect(seen.metadata?.annotations).toEqual(previewed.metadata?.annotations);
  });
});
