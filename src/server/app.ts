import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import express, { type ErrorRequestHandler, type Express } from "express";
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

export interface AdmissionListeners {
  onRequest: RequestListener;
  /**
   * For `Expect: 100-continue`: a review refused before its body (too large, over the budget) is
   * answered without "100 Continue", so the client never sends the body; anything else continues.
   */
  onCheckContinue: RequestListener;
}

/**
 * The HTTPS server's request listeners: one table of routes, looked up once per request. It is
 * not an Express app: Express's per-request set-up costs more CPU than planning the pod (`npm run
 * bench` with /mutate as an Express route: 40-80% more CPU per review).
 */
export function createAdmissionListeners(context: ServerContext): AdmissionListeners {
  const review = reviewHandler(context);
  const ambientReview = reviewHandler(context, true);
  const routes: Record<string, Route> = {
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
  };
  const onRequest: RequestListener = (req, res) => {
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
      sendStatus(
        res,
        404,
        `nothing at ${req.method} ${path}; the webhook paths are POST /mutate and POST /mutate/ambient`,
      );
    }
  };
  return {
    onRequest,
    onCheckContinue: (req, res) => {
      if (!isReview(req) || refusalBeforeReview(context, req) === undefined) res.writeContinue();
      onRequest(req, res);
    },
  };
}

// Express's own error page is HTML; a Status says what went wrong.
const statusOnError: ErrorRequestHandler = (
  error: { status?: number; message?: string },
  _req,
  res,
  _next,
) => {
  sendStatus(
    res,
    error.status ?? 500,
    `cannot handle this request: ${error.message ?? "unknown error"}`,
  );
};

/** The plain-HTTP app for Prometheus and the probes. */
export function createMetricsApp(context: ServerContext): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use((_req, res, next) => {
    closeWhileDraining(context, res);
    next();
  });
  for (const [path, route] of Object.entries(healthRoutes(context))) {
    for (const [method, handler] of Object.entries(route.methods)) {
      if (method === "GET" && handler !== undefined) app.get(path, handler);
    }
  }
  app.get("/metrics", async (_req, res) => {
    res.type(context.metrics.registry.contentType).send(await context.metrics.registry.metrics());
  });
  app.use(statusOnError);
  return app;
}
