import type { Mesh } from "../../config/schema.js";
import { istio } from "./istio.js";
import { linkerd } from "./linkerd.js";
import type { MeshAdapter } from "./mesh.js";

// Every mesh meshtune knows, in the order it plans them. The Record makes a mesh named in the
// config schema without an adapter a type error.
const ADAPTERS: Record<Mesh, MeshAdapter> = { istio, linkerd };

export const MESH_ADAPTERS: readonly MeshAdapter[] = Object.values(ADAPTERS);

/** The adapters of the meshes named, in the registry's order. */
export function meshAdapters(names: readonly Mesh[]): MeshAdapter[] {
  return MESH_ADAPTERS.filter((adapter) => names.includes(adapter.name));
}
