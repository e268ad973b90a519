"""Two tiny models served by KServe's own Python model server, for meshtune's warmup tests.

--engine plays what huggingfaceserver does with its vLLM backend: the model is ready (and
registered) at construction while its engine loads alongside the server, and its health fails
until the engine is up (kserve/kserve python/huggingfaceserver/huggingfaceserver/vllm/
vllm_model.py:83-246, python/kserve/kserve/model_server.py:441-455). Without it, the model loads
before the server listens, as KServe's sklearnserver does.
"""

import argparse
import asyncio
import time

from kserve import Model, ModelServer, model_server

parser = argparse.ArgumentParser(parents=[model_server.parser])
parser.add_argument("--load_seconds", type=float, default=1.0)
parser.add_argument("--engine", action="store_true")
args, _ = parser.parse_known_args()


class Loaded(Model):
    def load(self) -> bool:
        time.sleep(args.load_seconds)
        self.ready = True
        return self.ready

    async def predict(self, payload, headers=None, response_headers=None):
        return {"predictions": [1]}


class Engine(Model):
    def __init__(self, name: str):
        super().__init__(name)
        self.ready = True
        self.engine = True
        self.engine_up = False

    async def start_engine(self):
        await asyncio.sleep(args.load_seconds)
        self.engine_up = True

    async def healthy(self) -> bool:
        if not self.engine_up:
            raise RuntimeError("the engine is still loading")
        return True


if __name__ == "__main__":
    model = Engine(args.model_name) if args.engine else Loaded(args.model_name)
    if not args.engine:
        model.load()
    ModelServer().start([model])
