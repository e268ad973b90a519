// A child process running meshtune's real server as `meshtune serve` does: startServer with the
// given config, info-level JSON logs on stdout (the parent points stdout at a file). Importing
// serve.ts loads what `meshtune serve` loads (@kubernetes/client-node too), so RSS is as deployed.
import { createLogger } from "../../src/server/logger.js";
import { SERVER_DEFAULTS, startServer } from "../../src/server/server.js";
import { serveUntilDisconnected } from "./child.js";

const [tlsDir, configPath] = process.argv.slice(2) as [string, string];
const server = await startServer({
  ...SERVER_DEFAULTS,
  port: 0,
  host: "127.0.0.1",
  tlsDir,
  configPath,
  metricsPort: 0,
  shutdownGraceMs: 1000,
  logger: createLogger("info"),
});
serveUntilDisconnected(server.port, () => server.shutdown());
