import { describe, expect, it } from "vitest";
import {
  modelServerContainers,
  recogniseServer,
  runsServer,
} from "../../src/policy/model-servers.js";
import { fixturePod } from "../fixtures/load.js";

describe("recognising model-server containers", () => {
  it.each([
    ["vllm-deployment", "vllm"],
    ["tgi-statefulset", "tgi"],
    ["triton-deployment", "triton"],
    ["sglang-pod", "sglang"],
    ["ollama-deployment", "ollama"],
    ["kserve-predictor-pod", "kserve"],
    ["kserve-huggingface-pod", "kserveHuggingface"],
    ["kserve-torchserve-pod", "kserveTorchserve"],
    ["nim-operator-deployment", "nim"],
    ["llamacpp-deployment", "llamacpp"],
    ["sglang-serve-deployment", "sglang"],
    ["tgi-google-deployment", "tgiGoogle"],
    ["llminferenceservice-deployment", "vllm"],
  ])("recognises the server in %s as %s", (name, kind) => {
    expect(modelServerContainers(fixturePod(name))).toEqual([
      expect.objectContaining({ index: 0, kind }),
    ]);
  });

  it.each([
    [{ command: ["vllm", "serve", "Qwen/Qwen2.5-7B"] }, "vllm"],
    [
      { command: ["python3", "-m", "vllm.entrypoints.openai.api_server"], args: ["--model", "m"] },
      "vllm",
    ],
    [{ command: ["/bin/sh", "-c", "exec vllm serve /models/llama --port 9000"] }, "vllm"],
    [{ command: ["text-generation-launcher"] }, "tgi"],
    [{ command: ["python", "-m", "sglang.launch_server"] }, "sglang"],
    [{ command: ["/opt/tritonserver/bin/tritonserver"] }, "triton"],
    [{ command: ["torchserve", "--start", "--model-store", "/models"] }, "torchserve"],
    [{ command: ["ollama", "serve"] }, "ollama"],
    [{ command: ["sglang", "serve"], args: ["--model-path", "m"] }, "sglang"],
    [{ command: ["/app/llama-server"], args: ["-m", "/m.gguf"] }, "llamacpp"],
    [{ command: ["python", "-m", "huggingfaceserver"] }, "kserveHuggingface"],
  ])("recognises a server by its command %j", (fields, kind) => {
    expect(
      recogniseServer({ name: "server", image: "registry.example.com/ml/runtime:2.3", ...fields }),
    ).toBe(kind);
  });

  it.each([
    ["docker.io/vllm/vllm-openai:v0.11.0", "vllm"],
    ["ghcr.io/huggingface/text-generation-inference:3.3.4", "tgi"],
    ["nvcr.io/nvidia/tritonserver:25.01-vllm-python-py3", "triton"],
    ["pytorch/torchserve:0.12.0-gpu", "torchserve"],
    ["ollama/ollama:rocm", "ollama"],
    ["lmsysorg/sglang@sha256:" + "0".repeat(64), "sglang"],
    ["vllm/vllm-openai-cpu:v0.11.0", "vllm"],
    ["rocm/vllm:latest", "vllm"],
    ["ghcr.io/llm-d/llm-d-cuda:v0.9.0", "vllm"],
    ["ghcr.io/huggingface/tgi-gaudi:2.3.1", "tgi"],
    ["ghcr.io/huggingface/neuronx-tgi:0.0.25", "tgi"],
    [
      "us-docker.pkg.dev/deeplearning-platform-release/gcr.io/huggingface-text-generation-inference-cu124.2-4.ubuntu2204.py311",
      "tgiGoogle",
    ],
    ["nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3", "nim"],
    ["ghcr.io/ggml-org/llama.cpp:server-cuda", "llamacpp"],
    ["ghcr.io/ggerganov/llama.cpp:server", "llamacpp"],
    ["pytorch/torchserve-kfs:0.9.0", "kserveTorchserve"],
  ])("recognises a server by its image %s", (image, kind) => {
    expect(recogniseServer({ name: "server", image })).toBe(kind);
  });

  it("prefers the server a KServe container runs over the generic KServe runtime", () => {
    expect(recogniseServer({ name: "kserve-container", image: "vllm/vllm-openai:v0.11.0" })).toBe(
      "vllm",
    );
  });

  it("does not match a tag that merely mentions a server", () => {
    expect(
      recogniseServer({ name: "web", image: "example.com/frontend:vllm-client" }),
    ).toBeUndefined();
  });

  it.each([
    [
      {
        image: "fluent/fluent-bit:3.2",
        args: ["-i", "tail", "-p", "path=/var/log/tritonserver.log"],
      },
    ],
    [{ image: "ghcr.io/acme/torchserve-metrics-exporter:1.0" }],
    [{ image: "ghcr.io/acme/ollama-proxy:2.1", command: ["ollama-proxy", "--serve"] }],
    [{ image: "python:3.12", command: ["python", "-m", "vllm_router.app"] }],
  ])("does not take a sidecar that merely mentions a server for one: %j", (fields) => {
    expect(recogniseServer({ name: "sidecar", ...fields })).toBeUndefined();
  });

  it("recognises KServe only by its own runtimes, not by the container name alone", () => {
    expect(
      recogniseServer({ name: "kserve-container", image: "kserve/sklearnserver:v0.15.2" }),
    ).toBe("kserve");
    expect(
      recogniseServer({ name: "kserve-container", image: "gcr.io/acme/custom-predictor:3" }),
    ).toBeUndefined();
  });

  it.each([
    ["llama.cpp's CLI image", "ghcr.io/ggml-org/llama.cpp:light"],
    ["llm-d's routing sidecar", "ghcr.io/llm-d/llm-d-routing-sidecar:v0.3.0"],
    ["an NGC container that is no NIM", "nvcr.io/nvidia/pytorch:25.01-py3"],
  ])("does not take %s for a model server", (_, image) => {
    expect(recogniseServer({ name: "c", image })).toBeUndefined();
  });

  it("tells a server image running its server from one running something else", () => {
    const image = "vllm/vllm-openai:v0.11.0";
    expect(runsServer({ name: "c", image, args: ["m", "--port", "8000"] }, "vllm")).toBe(true);
    expect(
      runsServer({ name: "c", image, command: ["sh", "-c", "exec vllm serve m"] }, "vllm"),
    ).toBe(true);
    expect(runsServer({ name: "c", image, command: ["ray", "start", "--block"] }, "vllm")).toBe(
      false,
    );
    expect(
      runsServer(
        { name: "c", image: "nvcr.io/nim/meta/x:1", command: ["/opt/nim/start.sh"] },
        "nim",
      ),
    ).toBe(true);
  });

  it("ignores init containers, which serve nothing", () => {
    expect(
      modelServerContainers(fixturePod("kserve-predictor-pod")).map(({ name }) => name),
    ).toEqual(["kserve-container"]);
  });
});
