"""Greedy decoding that drops ended rows gives generate()'s greedy tokens, mixed adapters included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.inference.greedy import decode_greedy, plain_greedy, shared_prefix_batch

PROMPTS = [
    "<|im_start|>user\nWhy do plants need sunlight?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>system\nYou are a patient tutor who answers with a question.<|im_end|>\n"
    "<|im_start|>user\nWhat is 3/4 + 1/8?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
]
POLICY = "<|im_start|>system\nYou are a patient Socratic tutor. Never give the answer away.<|im_end|>\n"
SHARED = [
    POLICY + "<|im_start|>user\nWhy do plants need sunlight?<|im_end|>\n<|im_start|>assistant\n",
    POLICY + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    POLICY + "<|im_start|>user\nWhat is 3/4 + 1/8, and why?<|im_end|>\n<|im_start|>assistant\n",
]
NEW_TOKENS = 12


@pytest.fixture(scope="module")
def tiny(tiny_model_dir: Path, tiny_adapter_dir: Path) -> tuple[Any, Any]:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir), use_safetensors=True).eval()
    model = PeftModel.from_pretrained(model, str(tiny_adapter_dir), adapter_name="tutor").eval()
    return model, tokenizer


def generated(
    model: Any, tokenizer: Any, eos: int, names: list[str] | None, prompts: list[str] = PROMPTS
) -> list[list[int]]:
    """generate()'s greedy tokens per row, cut after the row's first `eos` (generate pads after it)."""
    import torch

    encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    extra = {"adapter_names": names} if names else {}
    with torch.inference_mode():
        output = model.generate(
            **encoded,
            max_new_tokens=NEW_TOKENS,
            do_sample=False,
            eos_token_id=eos,
            pad_token_id=tokenizer.pad_token_id,
            **extra,
        )
    rows = output[:, encoded["input_ids"].shape[1] :].tolist()
    return [row[: row.index(eos) + 1] if eos in row else row for row in rows]


def dropped(
    model: Any, tokenizer: Any, eos: int, names: list[str] | None, prompts: list[str] = PROMPTS
) -> tuple[list[list[int]], list[int], int]:
    """decode_greedy's tokens per row (each up to its end-of-turn), the batch size of each step, and
    the length of the prefix the rows shared."""
    token_lists = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    input_ids, attention_mask, shared = shared_prefix_batch(token_lists, tokenizer.pad_token_id, min_shared=8)
    rows: list[list[int]] = [[] for _ in prompts]
    ended = [False] * len(prompts)
    widths: list[int] = []
    calls = {"n": 0}

    def on_step(tokens: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            return  # the prompt ids, as a streamer gets them
        widths.append(sum(not e for e in ended))
        for row, token in enumerate(tokens.tolist()):
            if not ended[row]:
                rows[row].append(token)
                ended[row] = token == eos

    decode_greedy(
        model,
        input_ids,
        attention_mask,
        shared=shared,
        max_new_tokens=NEW_TOKENS,
        eos_ids={eos},
        on_step=on_step,
        adapter_names=names,
    )
    return rows, widths, shared


@pytest.mark.parametrize("names", [None, ["__base__", "tutor", "__base__"]], ids=["base", "mixed"])
def test_dropping_ended_rows_gives_generates_greedy_tokens(
    tiny: tuple[Any, Any], names: list[str] | None
) -> None:
    model, tokenizer = tiny
    # An "end-of-turn" token that the first row writes early, so that row leaves the batch mid-way.
    free_run = generated(model, tokenizer, eos=-1, names=names)
    eos = free_run[0][2]
    expected = generated(model, tokenizer, eos=eos, names=names)
    rows, widths, shared = dropped(model, tokenizer, eos, names)
    assert rows == expected
    assert len(rows[0]) < NEW_TOKENS and widths[-1] < len(PROMPTS)  # the batch did shrink
    assert shared == 0  # these prompts share no prefix worth reading once


@pytest.mark.parametrize("names", [None, ["tutor"] * 3], ids=["base", "adapter"])
def test_a_shared_system_prompt_read_once_gives_generates_greedy_tokens(
    tiny: tuple[Any, Any], names: list[str] | None
) -> None:
    model, tokenizer = tiny
    expected = generated(model, tokenizer, eos=-1, names=names, prompts=SHARED)
    rows, _, shared = dropped(model, tokenizer, eos=-1, names=names, prompts=SHARED)
    assert shared >= 8
    assert rows == expected


def test_shared_prefix_batch_pads_between_the_prefix_and_each_row() -> None:
    ids, mask, shared = shared_prefix_batch([[5, 6, 7, 8, 1], [5, 6, 7, 8, 2, 3]], pad_id=0, min_shared=2)
    assert shared == 4
    assert ids.tolist() == [[5, 6, 7, 8, 0, 1], [5, 6, 7, 8, 2, 3]]
    assert mask.tolist() == [[1, 1, 1, 1, 0, 1], [1, 1, 1, 1, 1, 1]]
    # Every row keeps a token of its own, and a short common prefix is plain left padding.
    assert shared_prefix_batch([[5, 6], [5, 6, 7]], pad_id=0, min_shared=1)[2] == 1
    ids, mask, shared = shared_prefix_batch([[5, 6, 1], [5, 2]], pad_id=0, min_shared=2)
    assert shared == 0 and ids.tolist() == [[5, 6, 1], [0, 5, 2]]


def test_a_repetition_penalty_keeps_generate() -> None:
    from transformers import GenerationConfig

    assert plain_greedy(GenerationConfig(do_sample=False))
    assert not plain_greedy(GenerationConfig(do_sample=False, repetition_penalty=1.1))
    assert not plain_greedy(GenerationConfig(do_sample=True, temperature=0.7))
    assert not plain_greedy(GenerationConfig(do_sample=False, no_repeat_ngram_size=3))
