"""The Compare tab's "Where the tutors run" handlers: show the server's settings, check the connection,
and the `vllm serve` command for the adapters picked in the columns. Layout: layout_serving.py.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from core.compare.backends import ServingConfig, ServingError, save_serving
from core.compare.server_check import check_server
from core.compare.variants import ADAPTER_PREFIX
from core.deploy.vllm import vllm_command_for
from studio.context import AppContext
from studio.tabs.compare import display as show


def adapter_ids(keys: tuple[str | None, ...] | list[str | None]) -> list[str]:
    return [k.removeprefix(ADAPTER_PREFIX) for k in keys if k and k.startswith(ADAPTER_PREFIX)]


def vllm_command(ctx: AppContext, *keys: str | None) -> tuple[str, str]:
    """The `vllm serve` command for the adapters now in the columns, and its notes."""
    command = vllm_command_for(ctx.store, ctx.base, adapter_ids(keys))
    return command.text, show.notes_markdown(command.notes)


def set_serving_kind(kind: str) -> Any:
    return gr.update(visible=kind == "openai")


def check_connection(
    ctx: AppContext, kind: str, url: str, model: str, key_env: str, *keys: str | None
) -> str:
    try:
        serving = save_serving(ctx.store, ServingConfig(kind, url or "", model or "", key_env or ""))  # type: ignore[arg-type]
    except ServingError as exc:
        raise gr.Error(str(exc)) from exc
    result = check_server(ctx, serving, adapter_ids(keys))
    return ("✅ " if result.ok else "⚠️ ") + result.message
