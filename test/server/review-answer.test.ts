import { describe, expect, it } from "vitest";
import { podCreationReview } from "../../src/admission/request.js";
import { loadConfig } from "../../src/config/load.js";
import { answerBytes, answerReview } from "../../src/server/review-answer.js";
import { fixturePod } from "../fixtures/load.js";

const config = loadConfig();
const answerTo = (pod: string) =>
  answerReview(JSON.stringify(podCreationReview(fixturePod(pod), { uid: "u-1" })), config).answer;

describe("answerBytes", () => {
  it("writes an answer with a patch as the JSON of that answer", () => {
    const answer = answerTo("vllm-deployment");
    expect(answer.response.patch).toBeDefined();
    const bytes = answerBytes(answer);
    expect(JSON.parse(bytes.toString("utf8"))).toEqual(answer);
    expect(bytes.length).toBe(Buffer.byteLength(JSON.stringify(answer)));
  });

  it("writes an answer without a patch as JSON.stringify does", () => {
    const answer = answerTo("web-cpu-pod");
    expect(answer.response.patch).toBeUndefined();
    expect(answerBytes(answer).toString("utf8")).toBe(JSON.stringify(answer));
  });

  it("keeps what is not ASCII in the rest of the answer", () => {
    const answer = answerTo("vllm-deployment");
    answer.response.warnings = ["meshtune: kept the pod's «proxy» value — naïve"];
    expect(JSON.parse(answerBytes(answer).toString("utf8"))).toEqual(answer);
  });
});
