import type { V1Container } from "@kubernetes/client-node";
import type { Config } from "../config/schema.js";
import { parseQuantity } from "../config/quantity.js";
import { allContainers, type PodShape } from "./pod.js";

export interface AcceleratorRequest {
  container: string;
  resource: string;
}

type GpuResources = Config["selection"]["gpuResources"];

function isAccelerator(resource: string, gpu: GpuResources): boolean {
  return gpu.names.includes(resource) || gpu.prefixes.some((prefix) => resource.startsWith(prefix));
}

function requested(container: V1Container, gpu: GpuResources): string | undefined {
  const amounts = { ...container.resources?.limits, ...container.resources?.requests };
  // A zero count ("nvidia.com/gpu: 0") asks for no device.
  return Object.keys(amounts).find(
    (resource) => isAccelerator(resource, gpu) && parseQuantity(String(amounts[resource])) !== 0,
  );
}

/** The first accelerator resource each container or init container asks for. */
export function acceleratorRequests(pod: PodShape, gpu: GpuResources): AcceleratorRequest[] {
  return allContainers(pod).flatMap((container) => {
    const resource = requested(container, gpu);
    return resource === undefined ? [] : [{ container: container.name, resource }];
  });
}
