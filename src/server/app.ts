import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import express, { Router, type ErrorRequestHandler, type Express } from "express";
import type { ServerContext } from "./context.js";
import { refusalBeforeReview, reviewHandler } from "./review-handler.js";
import { sendStatus } from "./status.js";

/** /healthz (the process answers) and /readyz (it can take reviews), on both ports. */
function healthRoutes(context: ServerContext): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.type("text/plain").send("ok\n");
  });
  router.get("/readyz", (_req, res) => {
    const reason = context.notReady();
    res
      .status(reason === undefined ? 200 : 503)
      .type("text/plain")
      .send(`${reason ?? "ok"}\n`);
  });
  return router;
}

// While draining, every answer ends its connection, so keep-alive clients move to another replica.
function closeWhileDraining(context: ServerContext, res: ServerResponse): void {
  if (context.draining()) res.setHeader("Connection", "close");
}

function newApp(context: ServerContext): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use((_req, res, next) => {
    closeWhileDraining(context, res);
    next();
  });
  app.use(healthRoutes(context));
  return app;
}

// Express's own error page is HTML; the apiserver shows a Status message instead.
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

/** The path of a request URL: the apiserver adds a query (`?timeout=10s`) to the webhook's path. */
function pathOf(req: IncomingMessage): string | undefined {
  return req.url?.split("?", 1)[0];
}

export interface AdmissionListeners {
  onRequest: RequestListener;
  /**
   * For `Expect: 100-continue`: a review refused before its body (too large, over the budget) is
   * answered without "100 Continue", so the client never sends the body; anything else continues.
   */
  onCheckContinue: RequestListener;
}

const isReview = (req: IncomingMessage) => req.method === "POST" && pathOf(req) === "/mutate";

/**
 * The HTTPS server's request listeners. Reviews skip Express: its per-request set-up cost more
 * than planning the pod (bench/, `npm run bench`); the probes, 404s and 405s go through it.
 */
export function createAdmissionApp(context: ServerContext): AdmissionListeners {
  const review = reviewHandler(context);
  const app = newApp(context);
  app.all("/mutate", (_req, res) => {
    res.setHeader("Allow", "POST");
    sendStatus(res, 405, "/mutate takes POST with an AdmissionReview");
  });
  app.use((req, res) =>
    sendStatus(res, 404, `nothing at ${req.method} ${req.path}; the webhook path is POST /mutate`),
  );
  app.use(statusOnError);
  const onRequest: RequestListener = (req, res) => {
    if (isReview(req)) {
      closeWhileDraining(context, res);
      void review(req, res);
    } else {
      app(req, res);
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

/** The plain-HTTP app for Prometheus and probes. */
export function createMetricsApp(context: ServerContext): Express {
  const app = newApp(context);
  app.get("/metrics", async (_req, res) => {
    res.type(context.metrics.registry.contentType).send(await context.metrics.registry.metrics());
  });
  return app;
}
