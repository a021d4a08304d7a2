"""Compare benchmark: memory of three columns against one, and time to first token prompted vs adapter.

    .venv/bin/python -m tests.bench compare          # or `make bench`

A SmolLM2-135M-shaped Llama (30 layers, hidden 576, 9 heads / 3 KV heads, vocab 49152) with random
weights is built offline in a temporary folder, with the offline tiny model's tokenizer and chat
template and a rank-16 LoRA adapter on every linear layer. Each measurement runs in its own
subprocess, one after another in this run:

- one column:    the prompted column alone (the base model, no adapter loaded)
- three columns: base | prompted | adapter in one batched stream_many (the Compare tab's default)
- the same batch without an adapter (base | prompted | base), to tell the batch's cost from the adapter's
- time to first token of the prompted column alone and of the adapter column alone (median of 3)

Targets: peak RSS of three columns <= 1.15 x one column (one copy of the base weights serves all
three), and the adapter answers sooner than the prompted base (it does not read the long policy).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MEMORY_RATIO_TARGET = 1.15
# "three-plain" has no adapter: it tells the batch's own cost apart from the adapter's (printed, no target).
COLUMN_SETS = {
    "one": ["prompted"],
    "three": ["base", "prompted", "adapter"],
    "three-plain": ["base", "prompted", "base"],
}
MAX_NEW_TOKENS = 24
TTFT_REPEATS = 3
MESSAGE = "I've tried this fractions problem five times and I keep getting it wrong. Just tell me the answer."
SMOLLM2_135M = {
    "hidden_size": 576,
    "intermediate_size": 1536,
    "num_hidden_layers": 30,
    "num_attention_heads": 9,
    "num_key_value_heads": 3,
    "vocab_size": 49152,
    "max_position_embeddings": 8192,
    "rms_norm_eps": 1e-5,
    "rope_theta": 100000.0,
    "tie_word_embeddings": True,
}


def build_model(folder: Path) -> tuple[Path, Path]:
    """The random-weight 135M-shaped base (bf16 safetensors) and a LoRA adapter for it."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    from core.models.tiny import TINY_NAME, ensure_tiny_at

    tiny = ensure_tiny_at(folder / TINY_NAME)
    base = folder / "smollm2-135m-shaped"
    torch.manual_seed(0)
    ids = json.loads((tiny / "config.json").read_text())
    config = LlamaConfig(
        **SMOLLM2_135M,
        bos_token_id=ids.get("bos_token_id"),
        eos_token_id=ids.get("eos_token_id"),
        pad_token_id=ids.get("pad_token_id"),
    )
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(str(base), safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "generation_config.json"):
        shutil.copy(tiny / name, base / name)
    lora = LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", init_lora_weights=False)
    adapter = folder / "adapter"
    get_peft_model(model, lora).save_pretrained(str(adapter), safe_serialization=True)
    return base, adapter


# -- the worker: one measurement in a fresh process ---------------------------------------------------


def worker(mode: str, base: str, adapter: str, home: str) -> dict[str, Any]:
    import peft  # noqa: F401  (imported before the "no weights yet" reading, so it counts libraries only)
    import torch  # noqa: F401
    import transformers  # noqa: F401

    from core.inference.backend import GenerationConfig
    from core.inference.transformers_backend import TransformersBackend
    from core.models.spec import ModelSpec, ResolvedBase, Variant
    from core.paths import Workspace
    from core.policy import default_policy

    before_load = peak_rss_mib()  # python, torch and transformers imported, no weights yet
    resolved = ResolvedBase("bench", "local", base, "SmolLM2-135M-shaped (random weights)")
    backend = TransformersBackend(Workspace(Path(home)).ensure(), base=resolved, device="cpu")
    backend.load()
    prompted = Variant("prompted", ModelSpec(system_prompt=default_policy()))
    columns = {
        "base": Variant("base", ModelSpec()),
        "prompted": prompted,
        "adapter": Variant("adapter", ModelSpec(adapter=adapter, adapter_name="tutor")),
    }
    messages = [{"role": "user", "content": MESSAGE}]
    config = GenerationConfig(max_new_tokens=MAX_NEW_TOKENS, temperature=0)
    result: dict[str, Any] = {"mode": mode, "rss_after_imports_mib": before_load}
    if mode in COLUMN_SETS:
        wanted = COLUMN_SETS[mode]
        started = time.perf_counter()
        done = [e for e in backend.stream_many([(columns[k], messages) for k in wanted], config) if e.done]
        result["seconds"] = time.perf_counter() - started
        result["prompt_tokens"] = {wanted[e.index]: e.usage.prompt_tokens for e in done if e.usage}
        result["completion_tokens"] = sum(e.usage.completion_tokens or 0 for e in done if e.usage)
    else:
        backend.complete(
            columns["adapter"], messages, GenerationConfig(max_new_tokens=1)
        )  # loads the adapter
        for name in ("prompted", "adapter"):
            ttfts = [_ttft(backend, columns[name], messages) for _ in range(TTFT_REPEATS)]
            result[f"ttft_{name}_s"] = statistics.median(ttfts)
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def _ttft(backend: Any, variant: Any, messages: list[dict[str, str]]) -> float:
    from core.inference.backend import GenerationConfig

    reply = backend.complete(variant, messages, GenerationConfig(max_new_tokens=2, temperature=0))
    return float(reply.usage.ttft_s)


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss
    over from the parent across fork and exec, which would credit the worker with the builder's memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def run_worker(mode: str, base: Path, adapter: Path, home: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "TRANSFORMERS_VERBOSITY": "error",
    }
    command = [
        sys.executable,
        "-m",
        "tests.bench.bench_compare",
        "--worker",
        mode,
        str(base),
        str(adapter),
        str(home),
    ]
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"worker {mode} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# -- the benchmark ------------------------------------------------------------------------------------


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        base, adapter = build_model(folder)
        print(
            f"built a SmolLM2-135M-shaped model with random weights in {time.perf_counter() - started:.0f} s"
        )
        one = run_worker("one", base, adapter, folder / "home-one")
        three = run_worker("three", base, adapter, folder / "home-three")
        plain = run_worker("three-plain", base, adapter, folder / "home-plain")
        ttft = run_worker("ttft", base, adapter, folder / "home-ttft")
    return report(one, three, plain, ttft)


def report(one: dict[str, Any], three: dict[str, Any], plain: dict[str, Any], ttft: dict[str, Any]) -> int:
    ratio = three["peak_rss_mib"] / one["peak_rss_mib"]
    model_one = one["peak_rss_mib"] - one["rss_after_imports_mib"]
    model_three = three["peak_rss_mib"] - three["rss_after_imports_mib"]
    tokens = three["prompt_tokens"]
    print(
        f"input tokens per message: prompted {tokens['prompted']}, adapter {tokens['adapter']}, base {tokens['base']}"
    )
    print(
        f"peak RSS, one column (prompted):            {one['peak_rss_mib']:8.0f} MiB "
        f"({model_one:.0f} MiB above the imports; {one['seconds']:.1f} s for {one['completion_tokens']} tokens)"
    )
    print(
        f"peak RSS, three columns (base|prompted|adapter): {three['peak_rss_mib']:8.0f} MiB "
        f"({model_three:.0f} MiB above the imports; {three['seconds']:.1f} s for {three['completion_tokens']} tokens)"
    )
    print(
        f"  of which the batch alone (base|prompted|base, no adapter): {plain['peak_rss_mib']:.0f} MiB "
        f"({plain['peak_rss_mib'] / one['peak_rss_mib']:.3f}x one column)"
    )
    memory_ok = ratio <= MEMORY_RATIO_TARGET
    print(
        f"three / one columns: {ratio:.3f}x (target <= {MEMORY_RATIO_TARGET}x): {'OK' if memory_ok else 'MISSED'}"
    )
    prompted_s, adapter_s = ttft["ttft_prompted_s"], ttft["ttft_adapter_s"]
    ttft_ok = adapter_s < prompted_s
    print(
        f"time to first token with the default policy: prompted {prompted_s * 1000:.0f} ms, adapter "
        f"{adapter_s * 1000:.0f} ms ({prompted_s / adapter_s:.1f}x faster without the prompt): "
        f"{'OK' if ttft_ok else 'MISSED'}"
    )
    return 0 if memory_ok and ttft_ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        print(json.dumps(worker(*sys.argv[2:6])))
        sys.exit(0)
    sys.exit(main())
