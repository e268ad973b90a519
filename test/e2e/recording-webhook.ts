import { once } from "node:events";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { V1Pod } from "@kubernetes/client-node";
import { generateCA } from "../../src/certs/generate.js";
import { loopbackCerts } from "../server/harness.js";
import type { Endpoint } from "./webhook-registration.js";

/** One admission review the recorder received. */
export interface Recorded {
  /** The path the apiserver called, which tells the registrations apart. */
  path: string;
  dryRun: boolean;
  pod: V1Pod;
}

/** An HTTPS admission webhook that allows everything unchanged and keeps what it was sent. */
export interface RecordingWebhook {
  readonly endpoint: Endpoint;
  readonly received: Recorded[];
  close(): Promise<void>;
}

interface Review {
  apiVersion: string;
  request: { uid: string; dryRun?: boolean; object: V1Pod };
}

function readBody(request: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (text += chunk));
    request.once("end", () => resolve(text));
    request.once("error", reject);
  });
}

/** Starts a recorder on 127.0.0.1 with a CA of its own, as a mesh injector has. */
export async function startRecordingWebhook(): Promise<RecordingWebhook> {
  const certs = loopbackCerts(generateCA({ commonName: "recording-webhook-ca" }));
  const received: Recorded[] = [];
  const server: Server = createServer({ cert: certs.serving.cert, key: certs.serving.key });
  server.on("request", (request, response) => {
    void readBody(request)
      .then((body) => {
        const review = JSON.parse(body) as Review;
        received.push({
          // The apiserver adds ?timeout=<seconds>s to the URL it was given.
          path: new URL(request.url ?? "/", "https://127.0.0.1").pathname,
          dryRun: review.request.dryRun === true,
          pod: review.request.object,
        });
        const answer = {
          apiVersion: review.apiVersion,
          kind: "AdmissionReview",
          response: { uid: review.request.uid, allowed: true },
        };
        response.setHeader("Content-Type", "application/json");
        response.end(JSON.stringify(answer));
      })
      .catch((error: unknown) => {
        // The apiserver shows this in the refusal, so a broken review is not lost silently.
        response.statusCode = 400;
        response.end(`the recording webhook cannot read this review: ${String(error)}`);
      });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: { url: `https://127.0.0.1:${port}`, caBundle: certs.ca.cert },
    received,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
