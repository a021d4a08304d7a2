"""The offline tiny model: deterministic, ChatML with generation markers, loadable by transformers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.models.tiny import (
    MARKER_FILE,
    TINY_RECIPE_VERSION,
    ensure_tiny_at,
    ensure_tiny_model,
    is_current_build,
)
from core.paths import Workspace

REPO = Path(__file__).resolve().parents[3]
MESSAGES = [
    {"role": "system", "content": "You are a patient tutor."},
    {"role": "user", "content": "What is a fraction?"},
    {"role": "assistant", "content": "What do you think the bottom number means?"},
]


def test_tiny_builds_are_byte_identical(tmp_path: Path) -> None:
    first = ensure_tiny_at(tmp_path / "a" / "tiny")
    second = ensure_tiny_at(tmp_path / "b" / "tiny")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert {"config.json", "model.safetensors", "tokenizer.json", "chat_template.jinja"} <= set(names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_ensure_tiny_model_builds_once_into_the_workspace(workspace: Workspace) -> None:
    folder = ensure_tiny_model(workspace)
    assert folder == workspace.models_dir / "tiny"
    weights = folder / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert ensure_tiny_model(workspace) == folder
    assert weights.stat().st_mtime_ns == before
    assert not [p for p in workspace.models_dir.iterdir() if p.name.startswith(".tiny-")]


def test_ensure_tiny_model_rebuilds_an_outdated_build(tmp_path: Path) -> None:
    folder = ensure_tiny_at(tmp_path / "tiny")
    (folder / MARKER_FILE).write_text(json.dumps({"recipe_version": TINY_RECIPE_VERSION - 1}))
    (folder / "stale.txt").write_text("from an old recipe")
    assert not is_current_build(folder)
    ensure_tiny_at(folder)
    assert is_current_build(folder) and not (folder / "stale.txt").exists()


def test_ensure_tiny_model_is_safe_when_processes_race(tmp_path: Path) -> None:
    code = "import sys; from pathlib import Path; from core.models.tiny import ensure_tiny_at; ensure_tiny_at(Path(sys.argv[1]))"
    target = tmp_path / "tiny"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(target)], cwd=REPO, env=dict(os.environ), stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    assert is_current_build(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tiny.lock", "tiny"]


def test_tiny_chat_template_marks_assistant_turns_for_training(tiny_model_dir: Path) -> None:
    template = (tiny_model_dir / "chat_template.jinja").read_text()
    assert "{%- generation %}" in template and "{%- endgeneration %}" in template


def test_tiny_template_renders_chatml(tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    text = tokenizer.apply_chat_template(MESSAGES[:2], tokenize=False, add_generation_prompt=True)
    assert text == (
        "<|im_start|>system\nYou are a patient tutor.<|im_end|>\n"
        "<|im_start|>user\nWhat is a fraction?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    full = tokenizer.apply_chat_template(MESSAGES, tokenize=False)
    assert full.endswith("<|im_start|>assistant\nWhat do you think the bottom number means?<|im_end|>\n")
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|endoftext|>"
    assert len(tokenizer.encode("<|im_start|>", add_special_tokens=False)) == 1


def test_tiny_assistant_mask_covers_exactly_the_reply(tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    out = tokenizer.apply_chat_template(
        MESSAGES, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    masked = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tokenizer.decode(masked) == "What do you think the bottom number means?<|im_end|>"


def test_tiny_tokenizer_round_trips_text(tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    text = "Fractions: 3/4 of a pizza, café, naïve — and 2x + 3 = 11?\n\nYes!"
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert tokenizer.decode(ids) == text
    assert 2000 <= len(tokenizer) <= 4096
    assert len(ids) < len(text.encode()) * 0.8  # merges were learned


def test_tiny_loads_as_a_qwen2_model_with_every_weight(tiny_model_dir: Path) -> None:
    from transformers import AutoModelForCausalLM

    model, info = AutoModelForCausalLM.from_pretrained(
        str(tiny_model_dir), use_safetensors=True, output_loading_info=True
    )
    assert model.config.model_type == "qwen2"
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    assert model.generation_config.eos_token_id == model.config.eos_token_id
