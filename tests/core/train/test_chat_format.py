"""Loss on the tutor's turns only, with the model's own template: markers, TRL's twin, or the studio's spans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.models.tiny import CHAT_TEMPLATE
from core.train.chat_format import (
    IGNORE_INDEX,
    PROBE,
    ChatFormatError,
    plan_loss_masking,
    tokenize_conversation,
    tokenize_conversations,
)

# The tiny template without {% generation %} markers: what real instruct models (SmolLM2, Llama 3.2) ship.
NO_MARKERS = CHAT_TEMPLATE.replace("{%- generation %}", "").replace("{%- endgeneration %}", "")
# Earlier tutor turns are shortened once the conversation goes on (as reasoning templates do).
REWRITES_HISTORY = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' and not loop.last %}"
    "{{- '<|im_start|>assistant\\n(earlier answer)<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


@pytest.fixture
def tokenizer(tiny_model_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_model_dir))


def learned_text(tokenizer: Any, row: dict[str, list[int]]) -> str:
    return tokenizer.decode(
        [t for t, label in zip(row["input_ids"], row["labels"], strict=True) if label != IGNORE_INDEX]
    )


def test_template_with_generation_markers_is_used_as_is(tokenizer: Any) -> None:
    plan = plan_loss_masking(tokenizer)
    assert plan.strategy == "template" and plan.assistant_only_loss
    assert plan.template == tokenizer.chat_template and len(plan.template_sha256) == 64


def test_template_without_markers_gets_studio_spans_covering_exactly_the_tutor_turns(tokenizer: Any) -> None:
    tokenizer.chat_template = NO_MARKERS
    plan = plan_loss_masking(tokenizer)
    assert plan.strategy == "studio-spans" and not plan.assistant_only_loss
    [row] = tokenize_conversation(tokenizer, PROBE, plan.template, max_length=512)
    tutor = [m["content"] for m in PROBE if m["role"] == "assistant"]
    assert learned_text(tokenizer, row) == "<|im_end|>".join(tutor) + "<|im_end|>"
    # The ids are the inference-time tokenization of the whole rendered conversation.
    rendered = tokenizer.apply_chat_template(PROBE, tokenize=False)
    assert row["input_ids"] == tokenizer(rendered, add_special_tokens=False)["input_ids"]


def test_trl_training_twin_is_used_and_agrees_with_studio_spans(tokenizer: Any) -> None:
    import trl

    tokenizer.chat_template = (Path(trl.__file__).parent / "chat_templates" / "qwen2_5.jinja").read_text()
    plan = plan_loss_masking(tokenizer)
    assert plan.strategy == "trl-template" and plan.training_template
    trl_mask = tokenizer.apply_chat_template(
        PROBE,
        chat_template=plan.training_template,
        tokenize=True,
        return_dict=True,
        return_assistant_tokens_mask=True,
    )
    trl_ids = [t for t, m in zip(trl_mask["input_ids"], trl_mask["assistant_masks"], strict=True) if m]
    [row] = tokenize_conversation(tokenizer, PROBE, plan.template, max_length=512)
    assert row["input_ids"] == trl_mask["input_ids"]
    # Both learn the same words; they differ only in whether the newlines around a turn count.
    assert (
        tokenizer.decode(trl_ids).split()
        == learned_text(tokenizer, row).replace("<|im_end|>", "<|im_end|> ").split()
    )


def test_template_that_rewrites_history_trains_one_row_per_tutor_turn(tokenizer: Any) -> None:
    rows = tokenize_conversation(tokenizer, PROBE, REWRITES_HISTORY, max_length=512)
    assert [learned_text(tokenizer, row) for row in rows] == [
        PROBE[2]["content"] + "<|im_end|>",
        PROBE[4]["content"] + "<|im_end|>",
    ]
    assert "(earlier answer)" in tokenizer.decode(rows[1]["input_ids"])


def test_conversations_cut_before_any_tutor_token_are_left_out(tokenizer: Any) -> None:
    long_question = [
        {"role": "user", "content": "why " * 300},
        {"role": "assistant", "content": "What do you think?"},
    ]
    rows = tokenize_conversations(tokenizer, [long_question, PROBE], NO_MARKERS, max_length=64)
    assert len(rows) == 1 and all(len(row["input_ids"]) <= 64 for row in rows)


def test_a_model_without_chat_template_is_refused_with_the_fix(tokenizer: Any) -> None:
    tokenizer.chat_template = None
    with pytest.raises(ChatFormatError, match="instruct model"):
        plan_loss_masking(tokenizer)
