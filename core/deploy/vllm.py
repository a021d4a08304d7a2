"""The exact `vllm serve` command for a base model and its adapters, and runtime adapter loading.

    command = vllm_command_for(store, resolved_base, ["tutor@v2-lora"])
    command.text        # vllm serve HuggingFaceTB/SmolLM2-360M-Instruct --served-model-name ... --enable-lora \\
                        #   --lora-modules tutor@v2-lora=/.../adapter --max-lora-rank 16 --max-loras 1 ...

Each adapter is served under its adapter id, which is the `model` an OpenAI-compatible client sends to
reach it (core.inference.openai_backend). The chat template is the one used in training: a
`chat_template.jinja` saved beside the adapter, else the base folder's, else the base's own (vLLM's
default). A server started with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True also takes new adapters while
running (`load_adapter_at_runtime`).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from core.models.spec import ResolvedBase
from core.store import Store
from core.train.records import get_adapter

# The ranks vLLM's --max-lora-rank accepts; the smallest one that fits every adapter is used.
VLLM_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
DEFAULT_PORT = 8000
RUNTIME_LOADING_ENV = "VLLM_ALLOW_RUNTIME_LORA_UPDATING"
TEMPLATE_FILE = "chat_template.jinja"


@dataclass(frozen=True)
class ServedAdapter:
    name: str  # the LoRA module name: what clients send as `model`
    path: str
    rank: int | None = None


@dataclass(frozen=True)
class VllmCommand:
    argv: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The command, one option per line, ready to paste into a shell."""
        parts, line = [], [shlex.quote(self.argv[0]), shlex.quote(self.argv[1]), shlex.quote(self.argv[2])]
        for arg in self.argv[3:]:
            if arg.startswith("--"):
                parts.append(" ".join(line))
                line = []
            line.append(shlex.quote(arg))
        parts.append(" ".join(line))
        return " \\\n  ".join(parts)


def adapter_rank(folder: str | Path) -> int | None:
    """The largest LoRA rank in an adapter folder's adapter_config.json (None when unreadable)."""
    try:
        config = json.loads((Path(folder) / "adapter_config.json").read_text())
    except (OSError, ValueError):
        return None
    ranks = [config.get("r"), *(config.get("rank_pattern") or {}).values()]
    found = [int(r) for r in ranks if isinstance(r, int | float)]
    return max(found) if found else None


def max_lora_rank(adapters: Sequence[ServedAdapter]) -> int:
    needed = max((a.rank or 0 for a in adapters), default=0)
    return next((r for r in VLLM_LORA_RANKS if r >= needed), VLLM_LORA_RANKS[-1])


def chat_template_file(base: ResolvedBase, adapters: Sequence[ServedAdapter]) -> Path | None:
    """The chat template training used: beside the adapter first, else in a local base folder."""
    folders = [Path(a.path) for a in adapters]
    if base.kind in ("tiny", "local"):
        folders.append(Path(base.source))
    return next((f / TEMPLATE_FILE for f in folders if (f / TEMPLATE_FILE).is_file()), None)


def served_model_name(base: ResolvedBase) -> str:
    """The name the base is served under (its hub id, or a local folder's name)."""
    return base.requested if base.kind in ("hub", "cache") else Path(base.source).name


def vllm_serve_command(
    base: ResolvedBase,
    adapters: Sequence[ServedAdapter],
    *,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    chat_template: str | None = None,
    model: str | None = None,
) -> VllmCommand:
    """`vllm serve` for the base with every adapter enabled under its name.

    `chat_template` and `model` override where the template and the base are found (exports point both at
    their own folder or a container's paths)."""
    model = model or (base.requested if base.kind in ("hub", "cache") else base.source)
    argv = ["vllm", "serve", model, "--served-model-name", served_model_name(base)]
    argv += ["--host", host, "--port", str(port)]
    notes = []
    if adapters:
        argv += ["--enable-lora", "--lora-modules", *[f"{a.name}={a.path}" for a in adapters]]
        argv += ["--max-lora-rank", str(max_lora_rank(adapters)), "--max-loras", str(len(adapters))]
    else:
        notes.append(
            "No adapter selected: the server runs the base model only. Pick adapters in the columns."
        )
    template = chat_template or chat_template_file(base, adapters)
    if template is not None:
        argv += ["--chat-template", str(template)]
    else:
        notes.append("vLLM uses the base model's own chat template, the same one training used.")
    notes.append(
        f"Set {RUNTIME_LOADING_ENV}=True before starting it to add adapters later without a restart."
    )
    notes.append(
        f"It listens on {host} only; to reach it from other machines use --host 0.0.0.0 with --api-key."
    )
    return VllmCommand(argv, notes)


def vllm_command_for(
    store: Store, base: ResolvedBase, adapter_ids: Sequence[str], *, port: int = DEFAULT_PORT
) -> VllmCommand:
    """The command for the workspace's adapters `adapter_ids` (unknown ids are left out, with a note)."""
    adapters, missing = [], []
    for adapter_id in dict.fromkeys(adapter_ids):
        adapter = get_adapter(store, adapter_id)
        if adapter is None:
            missing.append(adapter_id)
            continue
        adapters.append(ServedAdapter(adapter.id, adapter.path, adapter_rank(adapter.path)))
    command = vllm_serve_command(base, adapters, port=port)
    if missing:
        command.notes.insert(0, f"Left out unknown adapters: {', '.join(missing)}.")
    return command


def load_adapter_at_runtime(
    base_url: str, adapter: ServedAdapter, headers: dict[str, str] | None = None, timeout_s: float = 60.0
) -> tuple[bool, str]:
    """Ask a running vLLM server to load an adapter; (done, what happened in words)."""
    url = f"{base_url.rstrip('/')}/load_lora_adapter"
    try:
        response = httpx.post(
            url,
            json={"lora_name": adapter.name, "lora_path": adapter.path},
            headers=headers,
            timeout=timeout_s,
        )
    except httpx.HTTPError as exc:
        return False, f"Couldn't reach {url} to load {adapter.name} ({type(exc).__name__})."
    if response.status_code < 400 or "already been loaded" in response.text:
        return True, f"The server loaded adapter {adapter.name}."
    return False, (
        f"The server did not load adapter {adapter.name} (HTTP {response.status_code}). Restart it with the "
        f"`vllm serve` command shown, or start it with {RUNTIME_LOADING_ENV}=True to load adapters at runtime."
    )
