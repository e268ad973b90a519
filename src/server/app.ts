import express, { Router, type ErrorRequestHandler, type Express } from "express";
import type { ServerContext } from "./context.js";
import { reviewHandler } from "./review-handler.js";
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

function newApp(context: ServerContext): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  // While draining, every answer ends its connection, so keep-alive clients move to another replica.
  app.use((_req, res, next) => {
    if (context.draining()) res.setHeader("Connection", "close");
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

/** The HTTPS app the apiserver calls. */
export function createAdmissionApp(context: ServerContext): Express {
  const app = newApp(context);
  app.post("/mutate", reviewHandler(context));
  app.all("/mutate", (_req, res) => {
    res.setHeader("Allow", "POST");
    sendStatus(res, 405, "/mutate takes POST with an AdmissionReview");
  });
  app.use((req, res) =>
    sendStatus(res, 404, `nothing at ${req.method} ${req.path}; the webhook path is POST /mutate`),
  );
  app.use(statusOnError);
  return app;
}

/** The plain-HTTP app for Prometheus and probes. */
export function createMetricsApp(context: ServerContext): Express {
  const app = newApp(context);
  app.get("/metrics", async (_req, res) => {
    res.type(context.metrics.registry.contentType).send(await context.metrics.registry.metrics());
  });
  return app;
}
