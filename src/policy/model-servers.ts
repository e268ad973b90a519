import type { V1Container } from "@kubernetes/client-node";
import { splitImage } from "../config/images.js";
import type { PodShape } from "./pod.js";

/** The model servers meshtune recognises, with their names in sentences. */
export const SERVER_NAMES = {
  vllm: "vLLM",
  tgi: "TGI",
  tgiGoogle: "TGI (Google Cloud DLC)",
  sglang: "SGLang",
  triton: "Triton",
  kserveTorchserve: "KServe's TorchServe runtime",
  torchserve: "TorchServe",
  ollama: "Ollama",
  nim: "NVIDIA NIM",
  llamacpp: "llama.cpp server",
  kserveHuggingface: "KServe huggingfaceserver",
  kserve: "KServe",
} as const;
export type ServerKind = keyof typeof SERVER_NAMES;

/**
 * An image by the last segments of its repository path (registry host aside); a segment may end
 * in `*` ("huggingface-text-generation-inference-*"), and the tag may be required to start so.
 */
interface ImagePattern {
  path: string[];
  tag?: string;
}

interface Fingerprint {
  kind: ServerKind;
  images: ImagePattern[];
  /** Word sequences on the command line that start the server; the first matches by basename. */
  commands: string[][];
}

const image = (path: string, tag?: string): ImagePattern => ({
  path: path.split("/"),
  ...(tag !== undefined && { tag }),
});

// Whole segments and words only, so a log path or an exporter image that merely mentions a
// server never gets a warmup hook it cannot run. The image decides before the command line:
// KServe's TorchServe image runs the torchserve command, Google's TGI image the TGI launcher.
const FINGERPRINTS: Fingerprint[] = [
  {
    kind: "vllm",
    // Images whose entrypoint is `vllm serve`: the official CUDA and CPU builds, AMD's ROCm build,
    // and llm-d's (which KServe's LLMInferenceService runs).
    images: ["vllm/vllm-openai", "vllm/vllm-openai-cpu", "rocm/vllm", "llm-d/llm-d-cuda"].map(
      (path) => image(path),
    ),
    commands: [["vllm", "serve"], ["vllm.entrypoints.openai.api_server"]],
  },
  {
    kind: "tgi",
    images: ["text-generation-inference", "tgi-gaudi", "neuronx-tgi"].map((path) => image(path)),
    commands: [["text-generation-launcher"]],
  },
  {
    kind: "tgiGoogle",
    // us-docker.pkg.dev/deeplearning-platform-release/gcr.io/huggingface-text-generation-inference-cu124.2-4.ubuntu2204.py311
    images: [image("huggingface-text-generation-inference-*")],
    commands: [["text-generation-launcher"]],
  },
  {
    kind: "sglang",
    images: [image("lmsysorg/sglang")],
    commands: [["sglang.launch_server"], ["sglang", "serve"]],
  },
  { kind: "triton", images: [image("tritonserver")], commands: [["tritonserver"]] },
  { kind: "kserveTorchserve", images: [image("pytorch/torchserve-kfs")], commands: [] },
  { kind: "torchserve", images: [image("torchserve")], commands: [["torchserve"]] },
  { kind: "ollama", images: [image("ollama/ollama")], commands: [["ollama", "serve"]] },
  // nvcr.io/nim/<publisher>/<model>: each NIM is its own image, started by its entrypoint.
  { kind: "nim", images: [image("nim/*/*")], commands: [] },
  {
    kind: "llamacpp",
    images: [image("ggml-org/llama.cpp", "server"), image("ggerganov/llama.cpp", "server")],
    commands: [["llama-server"]],
  },
  {
    kind: "kserveHuggingface",
    images: [image("kserve/huggingfaceserver")],
    commands: [["huggingfaceserver"]],
  },
];

/** The command line as words; "vllm serve" may be split over command and args, or sit in `sh -c`. */
export function commandWords(container: V1Container): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])]
    .flatMap((part) => part.split(/\s+/))
    .filter((word) => word !== "");
}

interface ImageName {
  /** The repository path's segments without the registry host. */
  segments: string[];
  tag: string;
}

function imageName(reference: string): ImageName {
  const { repository, tag = "" } = splitImage(reference);
  const segments = repository.split("/");
  const [first = ""] = segments;
  const hasHost =
    segments.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  return { segments: hasHost ? segments.slice(1) : segments, tag };
}

function globMatches(pattern: string, text: string): boolean {
  return pattern.endsWith("*") ? text.startsWith(pattern.slice(0, -1)) : text === pattern;
}

function imageMatches({ segments, tag }: ImageName, pattern: ImagePattern): boolean {
  const offset = segments.length - pattern.path.length;
  return (
    offset >= 0 &&
    pattern.path.every((segment, index) => globMatches(segment, segments[offset + index]!)) &&
    (pattern.tag === undefined || tag.startsWith(pattern.tag))
  );
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
  const name = imageName(container.image ?? "");
  const words = commandWords(container);
  const found =
    FINGERPRINTS.find(({ images }) => images.some((pattern) => imageMatches(name, pattern))) ??
    FINGERPRINTS.find(({ commands }) =>
      commands.some((sequence) => containsCommand(words, sequence)),
    );
  if (found) return found.kind;
  // KServe names its predictor container kserve-container; only its own runtimes (kserve/*) are
  // known to have the shell and port the KServe warmup expects.
  return container.name === "kserve-container" && name.segments[0] === "kserve"
    ? "kserve"
    : undefined;
}

/**
 * Whether the container runs the server its image holds: a `command` of its own replaces the
 * image's entrypoint, and a worker that runs `ray start` in the vLLM image serves no HTTP.
 */
export function runsServer(container: V1Container, kind: ServerKind): boolean {
  const commands = FINGERPRINTS.find((print) => print.kind === kind)?.commands ?? [];
  if (container.command === undefined || commands.length === 0) return true;
  const words = commandWords(container);
  return commands.some((sequence) => containsCommand(words, sequence));
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
