// A child process running the least a Node webhook can do: node:https with the same certificate
// and TLS floor as meshtune, parse the AdmissionReview, answer a fixed allow for its uid.
import { createServer } from "node:https";
import type { AdmissionReviewRequest } from "../../src/admission/review.js";
import { readTlsMaterial, secureContextOptions } from "../../src/server/tls.js";
import { serveUntilDisconnected } from "./child.js";

const [tlsDir] = process.argv.slice(2) as [string];
const server = createServer(secureContextOptions(readTlsMaterial(tlsDir)), (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const review = JSON.parse(Buffer.concat(chunks).toString("utf8")) as AdmissionReviewRequest;
    const answer = JSON.stringify({
      apiVersion: review.apiVersion,
      kind: "AdmissionReview",
      response: { uid: review.request.uid, allowed: true },
    });
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(answer),
    });
    res.end(answer);
  });
});
serveUntilDisconnected(server);
