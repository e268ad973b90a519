import { request, type Agent } from "node:https";
import type { AdmissionReviewResponse } from "../admission/review.js";

export interface ClientRequest {
  method?: string;
  /** Sent as given: nothing is added. */
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** The CA (or CAs) that may have signed the server's certificate (PEM). */
  ca: string | string[];
  /** The name the certificate must carry, when it is not the URL's host. */
  servername?: string;
  agent?: Agent | false;
  /** A client certificate and key, for a server with --client-ca. */
  cert?: string;
  key?: string;
}

export interface ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request, verifying the server against `ca`, and its whole answer. */
export function send(url: string, options: ClientRequest): Promise<ClientResponse> {
  const { method = "POST", headers, ca, agent, cert, key, servername } = options;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca, agent, cert, key, servername }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** POSTs `body` as JSON (a string is sent as is), as the apiserver sends reviews. */
export function postJson(
  url: string,
  body: unknown,
  options: Omit<ClientRequest, "body">,
): Promise<ClientResponse> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const length = Buffer.byteLength(text);
  const headers = {
    "Content-Type": "application/json",
    "Content-Length": length,
    ...options.headers,
  };
  return send(url, { ...options, headers, body: text });
}

/** Sends an AdmissionReview and returns the answer; throws on anything but 200. */
export async function postReview(
  url: string,
  review: unknown,
  options: Omit<ClientRequest, "body" | "method">,
): Promise<AdmissionReviewResponse> {
  const response = await postJson(url, review, options);
  if (response.status !== 200)
    throw new Error(`${url} answered ${response.status}: ${response.body}`);
  return JSON.parse(response.body) as AdmissionReviewResponse;
}
