"""The `vllm serve` command the Compare tab shows, and loading an adapter into a running server."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from core.deploy.vllm import (
    ServedAdapter,
    adapter_rank,
    load_adapter_at_runtime,
    max_lora_rank,
    vllm_command_for,
    vllm_serve_command,
)
from core.models.spec import ResolvedBase
from core.store import Store
from core.train.records import insert_adapter
from tests.support.openai_server import OpenAITestServer

HUB_BASE = ResolvedBase(
    "HuggingFaceTB/SmolLM2-360M-Instruct", "cache", "/cache/snap", "HuggingFaceTB/SmolLM2-360M-Instruct"
)


def write_adapter(folder: Path, rank: int, template: bool = False) -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"r": rank, "peft_type": "LORA"}))
    if template:
        (folder / "chat_template.jinja").write_text("{{ messages }}")
    return folder


def test_command_serves_every_adapter_under_its_id(tmp_path: Path) -> None:
    first = write_adapter(tmp_path / "a1", rank=8, template=True)
    second = write_adapter(tmp_path / "a 2", rank=24)
    adapters = [
        ServedAdapter("tutor@v1-lora", str(first), 8),
        ServedAdapter("tutor@v2-lora", str(second), 24),
    ]
    command = vllm_serve_command(HUB_BASE, adapters, port=8001)
    argv = command.argv
    assert argv[:3] == ["vllm", "serve", "HuggingFaceTB/SmolLM2-360M-Instruct"]
    lora = argv.index("--lora-modules")
    assert argv[lora + 1 : lora + 3] == [f"tutor@v1-lora={first}", f"tutor@v2-lora={second}"]
    assert "--enable-lora" in argv and argv[argv.index("--max-lora-rank") + 1] == "32"
    assert argv[argv.index("--max-loras") + 1] == "2" and argv[argv.index("--port") + 1] == "8001"
    assert argv[argv.index("--chat-template") + 1] == str(first / "chat_template.jinja")
    pasted = shlex.split(command.text.replace("\\\n", " "))
    assert pasted == argv  # the text shown is the same command, quoted for a shell (the space in "a 2")


def test_a_local_base_is_served_from_its_folder_with_its_template(tmp_path: Path) -> None:
    base_dir = tmp_path / "tiny"
    base_dir.mkdir()
    (base_dir / "chat_template.jinja").write_text("{{ messages }}")
    command = vllm_serve_command(ResolvedBase("tiny", "tiny", str(base_dir), "tiny"), [])
    assert command.argv[2] == str(base_dir) and "--enable-lora" not in command.argv
    assert command.argv[command.argv.index("--served-model-name") + 1] == "tiny"
    assert command.argv[command.argv.index("--chat-template") + 1] == str(base_dir / "chat_template.jinja")
    assert any("No adapter selected" in note for note in command.notes)


def test_rank_comes_from_the_adapter_config_and_rounds_up_to_what_vllm_accepts(tmp_path: Path) -> None:
    folder = write_adapter(tmp_path / "a", rank=12)
    assert adapter_rank(folder) == 12 and adapter_rank(tmp_path / "missing") is None
    assert max_lora_rank([ServedAdapter("a", str(folder), 12)]) == 16
    assert max_lora_rank([ServedAdapter("a", "x", None)]) == 1


def test_command_for_workspace_adapters(store: Store, tmp_path: Path) -> None:
    folder = write_adapter(tmp_path / "a1", rank=16)
    with store.transaction() as conn:
        insert_adapter(
            conn, adapter_id="tutor-v1", base_model=HUB_BASE.requested, path=str(folder), version=1
        )
    command = vllm_command_for(store, HUB_BASE, ["tutor-v1", "gone", "tutor-v1"])
    assert command.argv.count(f"tutor-v1={folder}") == 1
    assert command.notes[0] == "Left out unknown adapters: gone."
    assert "--chat-template" not in command.argv  # the hub base's own template, with a note saying so
    assert any("own chat template" in note for note in command.notes)


def test_runtime_loading_posts_the_adapter_and_explains_a_refusal(openai_server: OpenAITestServer) -> None:
    done, message = load_adapter_at_runtime(openai_server.base_url, ServedAdapter("tutor-v1", "/runs/a1"))
    assert not done and "HTTP 404" in message and "VLLM_ALLOW_RUNTIME_LORA_UPDATING=True" in message
    request = openai_server.requests[-1]
    assert request.path == "/v1/load_lora_adapter" and request.body == {
        "lora_name": "tutor-v1",
        "lora_path": "/runs/a1",
    }
    done, message = load_adapter_at_runtime(
        "http://127.0.0.1:9/v1", ServedAdapter("tutor-v1", "/runs/a1"), timeout_s=2
    )
    assert not done and "Couldn't reach" in message
