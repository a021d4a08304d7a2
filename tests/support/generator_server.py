"""An independent OpenAI-compatible generator for parity tests: plain transformers (+ peft), its own process.

    python -m tests.support.generator_server --model EXPORT/model --port-file PORT_FILE [--adapter DIR]
        [--chat-template FILE] [--served-name NAME]

It loads the model the way a user of an export would (AutoModelForCausalLM.from_pretrained, an adapter
through plain peft), renders prompts with the folder's own chat template (or the one given, to break it
on purpose), decodes greedily, and answers GET /v1/models and non-streaming POST /v1/chat/completions.
Nothing of the studio's inference code is used, so a parity check against it is not circular. The port
(chosen by the OS) is written to PORT_FILE once the model is loaded.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class Generator:
    """One model and tokenizer; one generation at a time (the model is not thread-safe)."""

    def __init__(self, model_dir: str, adapter_dir: str | None, template: str | None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.manual_seed(0)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        if template is not None:
            self.tokenizer.chat_template = template
        model = AutoModelForCausalLM.from_pretrained(model_dir, use_safetensors=True)
        if adapter_dir:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, adapter_dir)
        self.model = model.eval()
        self.lock = threading.Lock()

    def reply(self, messages: list[dict[str, str]], max_tokens: int) -> tuple[str, int, int]:
        import torch

        inputs = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with self.lock, torch.no_grad():
            output = self.model.generate(
                **inputs, max_new_tokens=max_tokens, do_sample=False, pad_token_id=self.tokenizer.eos_token_id
            )
        new = output[0, inputs["input_ids"].shape[1] :]
        text = self.tokenizer.decode(new, skip_special_tokens=True)
        return str(text), int(inputs["input_ids"].shape[1]), int(new.shape[0])


def make_handler(generator: Generator, served_name: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": served_name, "object": "model"}]})
            else:
                self._send(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if not self.path.rstrip("/").endswith("/chat/completions") or body.get("stream"):
                self._send(400, {"error": {"message": "only non-streaming chat completions are served"}})
                return
            if body.get("model") != served_name:
                self._send(404, {"error": {"message": f"no model named {body.get('model')!r}"}})
                return
            text, prompt_tokens, completion_tokens = generator.reply(
                body["messages"], int(body.get("max_tokens", 64))
            )
            self._send(
                200,
                {
                    "id": "chatcmpl-independent",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": served_name,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
                },
            )

        def _send(self, code: int, data: Any) -> None:
            payload = json.dumps(data).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--adapter")
    parser.add_argument("--chat-template", help="A Jinja file that replaces the model's chat template.")
    parser.add_argument("--served-name", default="tutor")
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    template = Path(args.chat_template).read_text(encoding="utf-8") if args.chat_template else None
    generator = Generator(args.model, args.adapter, template)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(generator, args.served_name))
    Path(args.port_file).write_text(str(httpd.server_address[1]), encoding="utf-8")
    httpd.serve_forever()


if __name__ == "__main__":
    main()
