import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GO_YAML } from "../../src/parse/go-yaml.js";

// go-yaml v2's resolve.go (go.yaml.in/yaml/v2, as sigs.k8s.io/yaml uses it for kubectl and Istio).
const read = (scalar: string): unknown => (parse(`v: ${scalar}`, GO_YAML) as { v: unknown }).v;

describe("reading plain scalars as kubectl and Istio do (go-yaml v2)", () => {
  it.each([
    ["0400", 256],
    ["010", 8],
    ["0x1F", 31],
    ["0o17", 15],
    ["0b101", 5],
    ["-0b101", -5],
    ["1_000", 1000],
    ["+12", 12],
    ["08", 8],
    ["1e3", 1000],
    ["1.5", 1.5],
    [".5", 0.5],
    ["1_000.5", 1000.5],
  ])("reads %s as the number %d", (scalar, value) => {
    expect(read(scalar)).toBe(value);
  });

  it.each(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"])(
    "reads %s as true",
    (scalar) => expect(read(scalar)).toBe(true),
  );

  it.each(["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"])(
    "reads %s as false",
    (scalar) => expect(read(scalar)).toBe(false),
  );

  it.each(["~", "null", "Null", "NULL", ""])("reads %j as null", (scalar) => {
    expect(read(scalar)).toBeNull();
  });

  it.each([
    ["8080:80", "no sexagesimal numbers"],
    ["190:20:30", "no sexagesimal numbers"],
    ["2001-12-14", "timestamps stay text"],
    ["NaN", "only .nan is NaN"],
    ["tRue", "booleans have three spellings"],
    ["0x", "a prefix needs digits"],
    [".5_0", "a leading dot goes to ParseFloat, which takes no underscores"],
    ["_1", "a number starts with a digit or a sign"],
  ])("reads %s as a string: %s", (scalar) => {
    expect(read(scalar)).toBe(scalar);
  });

  it("keeps quoted and !!str scalars as strings", () => {
    expect(read("'0400'")).toBe("0400");
    expect(read("!!str yes")).toBe("yes");
  });

  it('reads a y key as true, as sigs.k8s.io/yaml turns it into the key "true"', () => {
    expect(parse("y: 1", GO_YAML)).toEqual({ true: 1 });
  });

  it("resolves merge keys", () => {
    expect(parse("a: &a {x: 1}\nb: {<<: *a, z: 2}\n", GO_YAML)).toEqual({
      a: { x: 1 },
      b: { x: 1, z: 2 },
    });
  });

  it("keeps the last of duplicate keys instead of refusing them", () => {
    expect(parse("a: 1\na: 2\n", GO_YAML)).toEqual({ a: 2 });
  });
});
