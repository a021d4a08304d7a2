"""The Ollama export: a Modelfile and the model it points at, plus the command that creates it.

    info = write_ollama_export(subject, folder, mode="merged", progress=say)
    info["create"]      # "ollama create tiny-tutor -f Modelfile"

mode "merged" (default): `FROM ./model`, the merged safetensors model (export_merged.py); Ollama imports
safetensors of the common architectures (Llama, Mistral, Gemma, Qwen2, Phi-3).
mode "adapter": `FROM ./base` (the base model's files) and `ADAPTER ./adapter`, keeping the LoRA separate;
Ollama applies safetensors LoRA adapters to Llama, Mistral and Gemma bases.
TEMPLATE comes from ollama_template.py (checked against the training template); PARAMETERs set the stop
tokens, a context length and the tutor's sampling defaults.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from core.deploy.export_merged import write_merged_model
from core.deploy.export_vllm import copy_adapter
from core.deploy.ollama_template import TurnTemplate, ollama_template
from core.deploy.subject import ExportError, ExportSubject
from core.models.download import ensure_base_local

OllamaMode = Literal["merged", "adapter"]
BASE_FILES = re.compile(
    r"^(config\.json|generation_config\.json|.*\.safetensors(\.index\.json)?|tokenizer.*|special_tokens_map\.json|vocab\.json|merges\.txt|chat_template\.jinja)$"
)
DEFAULT_CONTEXT = 4096


def ollama_name(subject: ExportSubject) -> str:
    """A model name Ollama accepts: lower case letters, digits, dashes, dots and underscores."""
    name = re.sub(r"[^a-z0-9._-]+", "-", subject.adapter.id.lower()).strip("-.")
    return name[:80] or "tutor"


def write_ollama_export(
    subject: ExportSubject,
    folder: Path,
    mode: OllamaMode = "merged",
    progress: Callable[[str], None] | None = None,
) -> dict[str, str]:
    say = progress or (lambda _message: None)
    if mode == "merged":
        write_merged_model(subject, folder / "model", say)
        source = ["FROM ./model"]
        template_dir = folder / "model"
    else:
        if not subject.base_available:
            raise ExportError(
                f"The base model {subject.adapter.base_model} is not on this machine; connect once."
            )
        base_dir = ensure_base_local(subject.base)
        say(f"Copying the base model {subject.served_base}")
        _copy_base(base_dir, folder / "base")
        copy_adapter(subject.adapter, folder / "adapter", None)
        source = ["FROM ./base", "ADAPTER ./adapter"]
        template_dir = folder / "base"
    (template_dir / "chat_template.jinja").write_text(subject.chat_template, encoding="utf-8")
    turn = _template(template_dir, subject.chat_template)
    context = _context_length(subject)
    (folder / "Modelfile").write_text(modelfile(source, turn, context), encoding="utf-8")
    name = ollama_name(subject)
    create = f"ollama create {name} -f Modelfile"
    (folder / "README.md").write_text(readme(subject, name, create, mode, turn), encoding="utf-8")
    return {"create": create, "run": f"ollama run {name}", "template": turn.family if turn else "none"}


def _copy_base(base_dir: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(base_dir.iterdir()):
        if path.is_file() and BASE_FILES.match(path.name):
            shutil.copy2(path.resolve(), target / path.name)


def _template(folder: Path, chat_template: str) -> TurnTemplate | None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
    tokenizer.chat_template = chat_template
    return ollama_template(tokenizer)


def _context_length(subject: ExportSubject) -> int:
    from core.train.card import CardError, read_card

    if subject.adapter.card_path:
        try:
            hyper = read_card(Path(subject.adapter.card_path).parent).get("hyperparameters") or {}
        except CardError:
            hyper = {}
        if isinstance(hyper.get("max_seq_length"), int):
            return max(2048, int(hyper["max_seq_length"]))
    return DEFAULT_CONTEXT


def modelfile(source: list[str], turn: TurnTemplate | None, context: int) -> str:
    lines = [
        "# Tutor Studio export. Create the model with: ollama create NAME -f Modelfile",
        *source,
        "",
    ]
    if turn is not None:
        lines += [f'TEMPLATE """{turn.go_template}"""', ""]
        lines += [f'PARAMETER stop "{stop}"' for stop in turn.stops]
    else:
        lines.append(
            "# No TEMPLATE: this chat template is not one the studio can translate and check; Ollama uses its own."
        )
    lines += [
        f"PARAMETER num_ctx {context}",
        "PARAMETER temperature 0.7",
        "PARAMETER top_p 0.9",
        "",
    ]
    return "\n".join(lines)


def readme(subject: ExportSubject, name: str, create: str, mode: str, turn: TurnTemplate | None) -> str:
    template = (
        f"The TEMPLATE is the {turn.family} format, checked to render conversations exactly like the chat "
        "template the tutor was trained with."
        if turn
        else "No TEMPLATE could be checked for this chat template: run the parity check against Ollama "
        "(http://127.0.0.1:11434/v1) before relying on it."
    )
    source = (
        "the merged model in `model/`"
        if mode == "merged"
        else "the base in `base/` plus the LoRA in `adapter/`"
    )
    return "\n".join(
        [
            f"# {subject.adapter.id} for Ollama",
            "",
            f"This folder holds {source} and a `Modelfile`. Create and chat with it:",
            "",
            "```sh",
            create,
            f"ollama run {name}",
            "```",
            "",
            template,
            "Use it without a system prompt: the tutor behaviour is built in.",
            f"Ollama also serves an OpenAI-compatible API at http://127.0.0.1:11434/v1 (model: `{name}`).",
            "",
        ]
    )
