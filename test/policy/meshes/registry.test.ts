import { describe, expect, it } from "vitest";
import { MESHES } from "../../../src/config/schema.js";
import { MESH_ADAPTERS, meshAdapters } from "../../../src/policy/meshes/registry.js";

describe("the mesh registry", () => {
  it("has one adapter for every mesh the config can name, each named as the config names it", () => {
    expect(MESH_ADAPTERS.map(({ name }) => name).sort()).toEqual([...MESHES].sort());
  });

  it("plans the meshes a profile names in the registry's order, whatever order the list has", () => {
    expect(meshAdapters(["linkerd", "istio"]).map(({ name }) => name)).toEqual(
      MESH_ADAPTERS.map(({ name }) => name),
    );
    expect(meshAdapters(["linkerd"]).map(({ name }) => name)).toEqual(["linkerd"]);
  });

  it("knows each injected container by one mesh only", () => {
    const containers = MESH_ADAPTERS.flatMap((adapter) => adapter.containers);
    expect(new Set(containers).size).toBe(containers.length);
  });
});
