// A child process running the floor for any Node webhook that must send meshtune's answer:
// node:https with the same certificate and TLS floor as meshtune, reading and parsing the same
// AdmissionReview, then writing a precomputed answer of exactly meshtune's bytes.
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AdmissionReviewRequest } from "../../src/admission/review.js";
import { readTlsMaterial, secureContextOptions } from "../../src/server/tls.js";
import { serveUntilDisconnected } from "./child.js";

const [tlsDir, answerFile] = process.argv.slice(2) as [string, string];
const answer = readFileSync(answerFile);
const uid = (JSON.parse(answer.toString("utf8")) as { response: { uid: string } }).response.uid;
const server = createServer(secureContextOptions(readTlsMaterial(tlsDir)), (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const review = JSON.parse(Buffer.concat(chunks).toString("utf8")) as AdmissionReviewRequest;
    // The answer is precomputed for the benchmark's one review.
    if (review.request.uid !== uid) {
      res.writeHead(400).end();
      return;
    }
    // The headers meshtune writes (status.ts's writeJson), so the bytes on the wire are the same.
    res.writeHead(200, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": answer.length,
    });
    res.end(answer);
  });
});
serveUntilDisconnected(server);
