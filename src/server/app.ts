import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { ServerContext } from "./context.js";
import { refusalBeforeReview, reviewHandler } from "./review-handler.js";
import { sendStatus, writeText } from "./status.js";

/** What one path answers: a handler per method, and how to say which it takes. */
interface Route {
  methods: Partial<Record<string, RequestListener>>;
  takes: string;
}

/** /healthz (the process answers) and /readyz (it can take reviews): the same on both ports. */
function healthRoutes(context: ServerContext): Record<string, Route> {
  return {
    "/healthz": { methods: { GET: (_req, res) => writeText(res, 200, "ok\n") }, takes: "GET" },
    "/readyz": {
      methods: {
        GET: (_req, res) => {
          const reason = context.notReady();
          writeText(res, reason === undefined ? 200 : 503, `${reason ?? "ok"}\n`);
        },
      },
      takes: "GET",
    },
  };
}

// While draining, every answer ends its connection, so keep-alive clients move to another replica.
function closeWhileDraining(context: ServerContext, res: ServerResponse): void {
  if (context.draining()) res.setHeader("Connection", "close");
}

/** The path of a request URL: the apiserver adds a query (`?timeout=10s`) to the webhook's path. */
function pathOf(req: IncomingMessage): string {
  return req.url?.split("?", 1)[0] ?? "";
}

const REVIEW_PATHS = new Set(["/mutate", "/mutate/ambient"]);
const isReview = (req: IncomingMessage) => req.method === "POST" && REVIEW_PATHS.has(pathOf(req));

/**
 * One request listener for a table of routes, looked up once per request; `served` says what
 * the port serves, for the 404 of any other path.
 */
function routeListener(
  context: ServerContext,
  routes: Record<string, Route>,
  served: string,
): RequestListener {
  return (req, res) => {
    closeWhileDraining(context, res);
    const path = pathOf(req);
    const route = routes[path];
    // HEAD is GET without the body, which node leaves out by itself.
    const method = req.method === "HEAD" ? "GET" : (req.method ?? "");
    const handler = route?.methods[method];
    if (handler !== undefined) {
      handler(req, res);
    } else if (route !== undefined) {
      res.setHeader("Allow", Object.keys(route.methods).join(", "));
      sendStatus(res, 405, `${path} takes ${route.takes}`);
    } else {
      sendStatus(res, 404, `nothing at ${req.method} ${path}; ${served}`);
    }
  };
}

export interface AdmissionListeners {
  onRequest: RequestListener;
  /**
   * For `Expect: 100-continue`: a review refused before its body (too large, over the budget) is
   * answered without "100 Continue", so the client never sends the body; anything else continues.
   */
  onCheckContinue: RequestListener;
}

/**
 * The HTTPS server's request listeners. Neither port is an Express app: Express's per-request
 * set-up costs more CPU than planning the pod (`npm run bench` with /mutate as an Express route:
 * 40-80% more CPU per review), and loading it a tenth of a second of meshtune's start.
 */
export function createAdmissionListeners(context: ServerContext): AdmissionListeners {
  const review = reviewHandler(context);
  const ambientReview = reviewHandler(context, true);
  const onRequest = routeListener(
    context,
    {
      "/mutate": {
        methods: { POST: (req, res) => void review(req, res) },
        takes: "POST with an AdmissionReview",
      },
      // The chart's second webhook, for namespaces labelled istio.io/dataplane-mode=ambient.
      "/mutate/ambient": {
        methods: { POST: (req, res) => void ambientReview(req, res) },
        takes: "POST with an AdmissionReview",
      },
      ...healthRoutes(context),
    },
    "the webhook paths are POST /mutate and POST /mutate/ambient",
  );
  return {
    onRequest,
    onCheckContinue: (req, res) => {
      if (!isReview(req) || refusalBeforeReview(context, req) === undefined) res.writeContinue();
      onRequest(req, res);
    },
  };
}

/** The plain-HTTP port's listener: Prometheus and the probes. */
export function createMetricsListener(context: ServerContext): RequestListener {
  const { registry } = context.metrics;
  const metrics: RequestListener = (_req, res) => {
    registry.metrics().then(
      (text) => {
        res.writeHead(200, {
          "Content-Type": registry.contentType,
          "Content-Length": Buffer.byteLength(text),
        });
        res.end(text);
      },
      (error: Error) => sendStatus(res, 500, `cannot collect the metrics: ${error.message}`),
    );
  };
  return routeListener(
    context,
    { "/metrics": { methods: { GET: metrics }, takes: "GET" }, ...healthRoutes(context) },
    "this port serves GET /metrics, /healthz and /readyz",
  );
}
