import type { V1Container } from "@kubernetes/client-node";
import type { PodShape } from "./plan.js";

export const SERVER_KINDS = [
  "vllm",
  "tgi",
  "sglang",
  "triton",
  "torchserve",
  "ollama",
  "kserve",
] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

interface Fingerprint {
  kind: ServerKind;
  images: string[];
  commands: string[];
}

// Most specific first: a KServe predictor running the vLLM image is a vLLM server.
const FINGERPRINTS: Fingerprint[] = [
  {
    kind: "vllm",
    images: ["vllm/vllm-openai"],
    commands: ["vllm serve", "vllm.entrypoints.openai.api_server"],
  },
  { kind: "tgi", images: ["text-generation-inference"], commands: ["text-generation-launcher"] },
  { kind: "sglang", images: ["lmsysorg/sglang"], commands: ["sglang.launch_server"] },
  { kind: "triton", images: ["tritonserver"], commands: ["tritonserver"] },
  { kind: "torchserve", images: ["torchserve"], commands: ["torchserve"] },
  { kind: "ollama", images: ["ollama/ollama"], commands: ["ollama serve"] },
];

export const SERVER_NAMES: Record<ServerKind, string> = {
  vllm: "vLLM",
  tgi: "TGI",
  sglang: "SGLang",
  triton: "Triton",
  torchserve: "TorchServe",
  ollama: "Ollama",
  kserve: "KServe",
};

/** The command line as one string; "vllm serve" may be split over command and args. */
export function commandLine(container: V1Container): string {
  return [...(container.command ?? []), ...(container.args ?? [])].join(" ");
}

function imageName(image: string): string {
  // Compare on the repository path only, so a tag or digest never matches a fingerprint.
  const withoutDigest = image.split("@")[0] ?? "";
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

export function recogniseServer(container: V1Container): ServerKind | undefined {
  const image = imageName(container.image ?? "");
  const command = commandLine(container);
  const found = FINGERPRINTS.find(
    ({ images, commands }) =>
      images.some((name) => image.includes(name)) ||
      commands.some((text) => command.includes(text)),
  );
  if (found) return found.kind;
  return container.name === "kserve-container" ? "kserve" : undefined;
}

export interface ServerContainer {
  /** Index in spec.containers. */
  index: number;
  name: string;
  kind: ServerKind;
}

export function modelServerContainers(pod: PodShape): ServerContainer[] {
  return (pod.spec?.containers ?? []).flatMap((container, index) => {
    const kind = recogniseServer(container);
    return kind === undefined ? [] : [{ index, name: container.name, kind }];
  });
}
