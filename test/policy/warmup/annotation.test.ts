import { describe, expect, it } from "vitest";
import { parseWarmupAnnotation } from "../../../src/policy/warmup/annotation.js";

function parsed(value: unknown) {
  return parseWarmupAnnotation(JSON.stringify(value));
}

describe("reading meshtune.dev/warmup", () => {
  it("reads the issue's example", () => {
    expect(
      parsed({
        port: 8080,
        health: "/healthz",
        path: "/predict",
        body: { inputs: [1, 2] },
        headers: { "X-Api-Key": "k" },
      }),
    ).toEqual({
      value: {
        port: 8080,
        health: "/healthz",
        request: {
          mode: "request",
          method: "POST",
          path: "/predict",
          body: '{"inputs":[1,2]}',
          headers: ["Content-Type: application/json", "X-Api-Key: k"],
        },
      },
    });
  });

  it("sends a GET when there is a path but no body", () => {
    expect(parsed({ path: "/warm" })).toEqual({
      value: {
        request: { mode: "request", method: "GET", path: "/warm", body: "", headers: [] },
      },
    });
  });

  it("sends a string body as it is, as text unless the headers say otherwise", () => {
    const text = parsed({ path: "/p", body: "a\nb" });
    expect(text).toMatchObject({
      value: { request: { body: "a\nb", headers: ["Content-Type: text/plain; charset=utf-8"] } },
    });
    const csv = parsed({ path: "/p", body: "a,b", headers: { "content-type": "text/csv" } });
    expect(csv).toMatchObject({ value: { request: { headers: ["content-type: text/csv"] } } });
  });

  it("accepts a query string and percent-escapes in a path", () => {
    expect(parsed({ health: "/v2/models/m%20x/ready?verbose=1" })).toEqual({
      value: { health: "/v2/models/m%20x/ready?verbose=1" },
    });
  });

  it.each([
    ["a bad percent-escape", { path: "/a%zz" }],
    ["a backslash", { health: "/a\\b" }],
    ["an empty path", { health: "" }],
    ["a path that is no string", { health: 5 }],
    ["a body with a NUL", { path: "/p", body: "a\u0000b" }],
    ["a header value with a line break", { path: "/p", headers: { "X-A": "a\nb" } }],
    ["headers that are a list", { path: "/p", headers: ["X-A: b"] }],
  ])("refuses %s", (_, value) => {
    expect(parsed(value)).toHaveProperty("problem");
  });

  it("shortens a long bad path in its message", () => {
    const problem = parsed({ path: `relative/${"x".repeat(100)}` });
    expect(problem).toEqual({
      problem: '"path" must be an absolute URL path such as "/healthz", got a long string',
    });
  });
});
