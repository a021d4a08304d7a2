"""Compare columns against a local OpenAI-compatible server: how each variant is addressed on the wire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.compare.backends import ChatBackends, LocalCompareContext, ServingConfig, load_serving, save_serving
from core.compare.server_check import check_server
from core.compare.session import RoundRequest, run_round
from core.inference.backend import GenerationConfig
from core.models.spec import ResolvedBase
from core.paths import Workspace
from core.policy import current_policy
from core.store import Store
from tests.core.compare.conftest import ADAPTER_ID, ADAPTER_KEY, register_adapter
from tests.support.openai_server import OpenAITestServer

MESSAGE = "Just tell me the answer: what is 3/5 + 1/10?"


def server_context(store: Store, workspace: Workspace, adapter_dir: Path) -> LocalCompareContext:
    register_adapter(store, adapter_dir)
    base = ResolvedBase("tiny", "tiny", str(workspace.models_dir / "tiny"), "tiny")
    return LocalCompareContext(store, workspace, base, ChatBackends())


def bodies_by_model(server: OpenAITestServer) -> dict[str, dict[str, Any]]:
    return {body["model"]: body for body in server.chat_bodies}


def test_columns_address_the_adapter_by_name_and_send_the_policy_as_system(
    store: Store, workspace: Workspace, tiny_adapter_dir: Path, openai_server: OpenAITestServer
) -> None:
    ctx = server_context(store, workspace, tiny_adapter_dir)
    serving = ServingConfig("openai", openai_server.base_url, "tiny-base")
    request = RoundRequest(
        MESSAGE, ["base", "prompted", ADAPTER_KEY], config=GenerationConfig(32, 0), serving=serving
    )
    final = run_round(ctx, request)
    assert final.error is None
    assert [c.text for c in final.columns if c] == [f"You said: {MESSAGE}"] * 3
    bodies = bodies_by_model(openai_server)
    assert set(bodies) == {"tiny-base", ADAPTER_ID}  # the adapter column sends its LoRA module name
    adapter = bodies[ADAPTER_ID]
    assert adapter["messages"] == [{"role": "user", "content": MESSAGE}]
    prompted = next(b for b in openai_server.chat_bodies if b["messages"][0]["role"] == "system")
    assert prompted["model"] == "tiny-base"
    assert prompted["messages"] == [
        {"role": "system", "content": current_policy(store)},
        {"role": "user", "content": MESSAGE},
    ]
    assert all(
        b["temperature"] == 0 and b["max_tokens"] == 32 and b["stream"] for b in openai_server.chat_bodies
    )
    usage = final.usage_by_key()
    assert usage["prompted"].prompt_tokens > usage[ADAPTER_KEY].prompt_tokens  # type: ignore[operator]


def test_a_down_server_fails_the_round_with_a_readable_reason(
    store: Store, workspace: Workspace, tiny_adapter_dir: Path
) -> None:
    ctx = server_context(store, workspace, tiny_adapter_dir)
    serving = ServingConfig("openai", "http://127.0.0.1:9/v1", "m")
    final = run_round(ctx, RoundRequest(MESSAGE, ["base", "prompted"], serving=serving))
    assert final.finished and final.error and "127.0.0.1:9" in final.error


def test_check_server_lists_models_and_explains_a_missing_adapter(
    store: Store, workspace: Workspace, tiny_adapter_dir: Path, openai_server: OpenAITestServer
) -> None:
    ctx = server_context(store, workspace, tiny_adapter_dir)
    openai_server.models = ["tiny-base"]
    check = check_server(ctx, ServingConfig("openai", openai_server.base_url, "tiny-base"), [ADAPTER_ID])
    assert not check.ok and check.missing == [ADAPTER_ID]
    assert "did not load adapter tutor-v1" in check.message and "vllm serve" in check.message
    loads = [r for r in openai_server.requests if r.path.endswith("/load_lora_adapter")]
    assert loads and loads[0].body == {"lora_name": ADAPTER_ID, "lora_path": str(tiny_adapter_dir)}
    openai_server.models = ["tiny-base", ADAPTER_ID]
    assert check_server(ctx, ServingConfig("openai", openai_server.base_url, "tiny-base"), [ADAPTER_ID]).ok


def test_server_settings_keep_the_key_variable_name_never_the_key(store: Store) -> None:
    saved = save_serving(store, ServingConfig("openai", "http://127.0.0.1:8000/v1/", " m ", "MY_KEY"))
    assert saved == ServingConfig("openai", "http://127.0.0.1:8000/v1", "m", "MY_KEY")
    assert load_serving(store) == saved
    for bad in ("sk-abc123 secret", "1KEY"):
        try:
            save_serving(store, ServingConfig("openai", "http://x/v1", "m", bad))
        except ValueError as exc:
            assert "NAME of an environment variable" in str(exc)
        else:
            raise AssertionError("a key-looking value must be refused")
    assert load_serving(store).api_key_env == "MY_KEY"
