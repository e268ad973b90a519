import type { V1Container } from "@kubernetes/client-node";
import { splitImage } from "../config/images.js";
import type { PodShape } from "./pod.js";

/** The model servers meshtune recognises, with their names in sentences. */
export const SERVER_NAMES = {
  vllm: "vLLM",
  tgi: "TGI",
  sglang: "SGLang",
  triton: "Triton",
  torchserve: "TorchServe",
  ollama: "Ollama",
  kserve: "KServe",
} as const;
export type ServerKind = keyof typeof SERVER_NAMES;

interface Fingerprint {
  kind: ServerKind;
  /** The image's repository path ends with these segments (registry host aside). */
  images: string[][];
  /** Word sequences on the command line; the first word matches by executable basename. */
  commands: string[][];
}

// Whole segments and words only, so a log path or an exporter image that merely mentions a
// server never gets a warmup hook it cannot run. Most specific first: a KServe predictor running
// the vLLM image is a vLLM server.
const FINGERPRINTS: Fingerprint[] = [
  {
    kind: "vllm",
    images: [["vllm", "vllm-openai"]],
    commands: [["vllm", "serve"], ["vllm.entrypoints.openai.api_server"]],
  },
  {
    kind: "tgi",
    images: [["text-generation-inference"]],
    commands: [["text-generation-launcher"]],
  },
  { kind: "sglang", images: [["lmsysorg", "sglang"]], commands: [["sglang.launch_server"]] },
  { kind: "triton", images: [["tritonserver"]], commands: [["tritonserver"]] },
  { kind: "torchserve", images: [["torchserve"]], commands: [["torchserve"]] },
  { kind: "ollama", images: [["ollama", "ollama"]], commands: [["ollama", "serve"]] },
];

/** The command line as words; "vllm serve" may be split over command and args, or sit in `sh -c`. */
export function commandWords(container: V1Container): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])]
    .flatMap((part) => part.split(/\s+/))
    .filter((word) => word !== "");
}

/** The repository path's segments without the registry host, tag or digest. */
function repositorySegments(image: string): string[] {
  const segments = splitImage(image).repository.split("/");
  const [first = ""] = segments;
  const hasHost =
    segments.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  return hasHost ? segments.slice(1) : segments;
}

function endsWith(segments: string[], suffix: string[]): boolean {
  const offset = segments.length - suffix.length;
  return offset >= 0 && suffix.every((segment, index) => segments[offset + index] === segment);
}

function containsCommand(words: string[], sequence: string[]): boolean {
  const [program, ...rest] = sequence;
  return words.some(
    (word, index) =>
      word.split("/").pop() === program &&
      rest.every((next, offset) => words[index + 1 + offset] === next),
  );
}

export function recogniseServer(container: V1Container): ServerKind | undefined {
  const segments = repositorySegments(container.image ?? "");
  const words = commandWords(container);
  const found = FINGERPRINTS.find(
    ({ images, commands }) =>
      images.some((suffix) => endsWith(segments, suffix)) ||
      commands.some((sequence) => containsCommand(words, sequence)),
  );
  if (found) return found.kind;
  // KServe names its predictor container kserve-container; only its own runtimes (kserve/*) are
  // known to have the shell and port the KServe warmup expects.
  return container.name === "kserve-container" && segments[0] === "kserve" ? "kserve" : undefined;
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
