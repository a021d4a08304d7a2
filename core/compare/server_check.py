"""Check an OpenAI-compatible server before comparing on it: is it up, does it serve the base model and
the adapters the columns ask for? Adapters it lacks are loaded at runtime where the server allows it.

    check = check_server(ctx, ServingConfig("openai", "http://127.0.0.1:8000/v1", "m"), ["tutor@v2-lora"])
    check.ok, check.message
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.compare.backends import CompareContext, ServingConfig
from core.deploy.vllm import ServedAdapter, load_adapter_at_runtime
from core.inference.backend import InferenceError
from core.inference.openai_backend import OpenAICompatibleBackend
from core.train.records import get_adapter


@dataclass(frozen=True)
class ServerCheck:
    ok: bool
    message: str
    models: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # adapters the server still lacks


def check_server(ctx: CompareContext, serving: ServingConfig, adapter_ids: Sequence[str]) -> ServerCheck:
    """List the server's models; load the missing adapters at runtime when it allows; say what is left."""
    serving = serving.checked()
    if serving.kind == "transformers":
        return ServerCheck(
            True, f"The studio runs {ctx.base.display_name} itself: there is no server to check."
        )
    backend = ctx.chat_backends.get(ctx.workspace, ctx.base, serving)
    assert isinstance(backend, OpenAICompatibleBackend)
    try:
        models = backend.list_models()
    except InferenceError as exc:
        return ServerCheck(False, f"{exc} Start the server (the command is below) and check again.")
    notes, missing = [], []
    if serving.model not in models:
        notes.append(f"The server has no model {serving.model!r}; it offers {', '.join(models) or 'none'}.")
    for adapter_id in dict.fromkeys(adapter_ids):
        if adapter_id in models:
            continue
        loaded, note = _load(ctx, serving, adapter_id)
        notes.append(note)
        if not loaded:
            missing.append(adapter_id)
    ok = not missing and serving.model in models
    summary = f"Connected to {serving.base_url}: {len(models)} model(s) served."
    return ServerCheck(ok, " ".join([summary, *notes]), models, missing)


def _load(ctx: CompareContext, serving: ServingConfig, adapter_id: str) -> tuple[bool, str]:
    adapter = get_adapter(ctx.store, adapter_id)
    if adapter is None:
        return False, f"There is no adapter {adapter_id!r} in this workspace."
    headers = {}
    if serving.api_key_env and os.environ.get(serving.api_key_env):
        headers["Authorization"] = f"Bearer {os.environ[serving.api_key_env]}"
    return load_adapter_at_runtime(serving.base_url, ServedAdapter(adapter.id, adapter.path), headers)
