"""Loss on the tutor's turns only, with the base model's own chat template.

    plan = plan_loss_masking(tokenizer)        # how the assistant tokens will be found
    plan.strategy                              # "template" | "trl-template" | "studio-spans"
    rows = tokenize_conversations(tokenizer, conversations, max_length=1024)   # studio-spans only

Three cases, best first:
- the template marks assistant turns with {% generation %}: TRL's assistant_only_loss uses it as is;
- it has no markers but TRL ships a training twin of it (Qwen2.5, Llama 3, ...): TRL swaps the twin in,
  after we check that the twin renders conversations exactly like the original (else the model would
  train on a format it never sees at inference);
- otherwise (SmolLM2, Llama 3.2, most local models) the studio finds the assistant spans itself: each
  assistant message starts where the conversation rendered up to it (with the generation prompt) ends,
  and ends where the conversation rendered through it ends. Tokens are labelled by their character
  offsets, so the text is tokenized exactly as at inference. A template that rewrites earlier turns
  (not prefix-preserving) falls back to one training row per assistant turn.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)

Strategy = Literal["template", "trl-template", "studio-spans"]
Messages = Sequence[Mapping[str, str]]
IGNORE_INDEX = -100
PROBE: list[dict[str, str]] = [
    {"role": "system", "content": "You are a patient tutor."},
    {"role": "user", "content": "What is 3/4 + 1/8?"},
    {"role": "assistant", "content": "Good start! What common denominator could you use?"},
    {"role": "user", "content": "8?"},
    {"role": "assistant", "content": "Exactly. Now rewrite 3/4 with 8 at the bottom."},
]


class ChatFormatError(ValueError):
    """The base model's chat template cannot be used for training; the message says what to do."""


@dataclass(frozen=True)
class MaskingPlan:
    strategy: Strategy
    template: str  # the model's own chat template: what inference uses and the model card records
    training_template: str | None  # TRL's marked twin of it, for strategy "trl-template"
    reason: str

    @property
    def template_sha256(self) -> str:
        return template_hash(self.template)

    @property
    def assistant_only_loss(self) -> bool:
        """TRL computes the mask (template markers); with studio-spans the labels come pre-made."""
        return self.strategy != "studio-spans"


def template_hash(template: str) -> str:
    return hashlib.sha256(template.encode("utf-8")).hexdigest()


def chat_template_text(tokenizer: Any) -> str:
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):
        template = template.get("default")
    if not template:
        raise ChatFormatError(
            "This base model has no chat template, so it cannot learn conversations. Choose an instruct "
            "model (its name usually ends in -Instruct or -Chat)."
        )
    return str(template)


def plan_loss_masking(tokenizer: Any) -> MaskingPlan:
    """Decide how the assistant tokens of each conversation will be found (see the module docstring)."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    template = chat_template_text(tokenizer)
    if has_generation_markers(template):
        return MaskingPlan("template", template, None, "the chat template marks the assistant's turns")
    try:
        twin = get_training_chat_template(tokenizer)
    except ValueError:
        twin = None
    if twin and renders_identically(tokenizer, template, twin):
        return MaskingPlan("trl-template", template, twin, "TRL's training version of this chat template")
    why = "TRL's training version renders differently" if twin else "TRL has no training version of it"
    return MaskingPlan("studio-spans", template, None, f"assistant turns found by the studio ({why})")


def renders_identically(tokenizer: Any, template: str, other: str) -> bool:
    """True when both templates turn the probe conversations into the same text."""
    for messages in (PROBE, PROBE[1:]):
        for prompt in (False, True):
            conversation = messages[:-1] if prompt else messages
            try:
                a = _render(tokenizer, conversation, template, prompt)
                b = _render(tokenizer, conversation, other, prompt)
            except Exception:  # a template may refuse a system turn; that is not a difference
                continue
            if a != b:
                return False
    return True


def _render(tokenizer: Any, messages: Messages, template: str, generation_prompt: bool) -> str:
    return str(
        tokenizer.apply_chat_template(
            [dict(m) for m in messages],
            chat_template=template,
            tokenize=False,
            add_generation_prompt=generation_prompt,
        )
    )


def turn_span(tokenizer: Any, messages: Messages, index: int, template: str) -> tuple[str, tuple[int, int]]:
    """The conversation rendered through assistant turn `index`, and that turn's character span.

    The span starts where the conversation before it, rendered with the generation prompt, ends (what
    the model sees when it starts to answer) and ends after its end-of-turn token.
    """
    prompt = _render(tokenizer, messages[:index], template, True) if index else ""
    through = _render(tokenizer, messages[: index + 1], template, False)
    if not through.startswith(prompt):
        raise ChatFormatError("the chat template renders the prompt differently from the finished turn")
    return through, (len(prompt), len(through.rstrip()))  # a newline after the end-of-turn is not learnt


def assistant_spans(tokenizer: Any, messages: Messages, template: str) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans of all its assistant turns.

    Raises ChatFormatError when the template renders earlier turns differently in longer conversations
    (not prefix-preserving), so no single text holds every turn as the model saw it.
    """
    text = _render(tokenizer, messages, template, False)
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        through, span = turn_span(tokenizer, messages, index, template)
        if not text.startswith(through):
            raise ChatFormatError("the chat template is not prefix-preserving")
        if span[1] > span[0]:
            spans.append(span)
    return text, spans


def label_tokens(
    tokenizer: Any, text: str, spans: list[tuple[int, int]], max_length: int
) -> dict[str, list[int]]:
    """input_ids of `text` (as at inference) and labels that keep only tokens starting inside a span."""
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = encoded["input_ids"][:max_length]
    labels = []
    for token_id, (start, _end) in zip(ids, encoded["offset_mapping"], strict=False):
        inside = any(a <= start < b for a, b in spans)
        labels.append(token_id if inside else IGNORE_INDEX)
    return {"input_ids": ids, "labels": labels}


def tokenize_conversation(
    tokenizer: Any, messages: Messages, template: str, max_length: int
) -> list[dict[str, list[int]]]:
    """Training rows for one conversation: one row, or one per assistant turn for templates that rewrite history."""
    try:
        text, spans = assistant_spans(tokenizer, messages, template)
        return [label_tokens(tokenizer, text, spans, max_length)]
    except ChatFormatError:
        pass
    rows = []
    for index, message in enumerate(messages):
        if message["role"] == "assistant":
            text, span = turn_span(tokenizer, messages, index, template)
            rows.append(label_tokens(tokenizer, text, [span], max_length))
    return rows


def tokenize_conversations(
    tokenizer: Any, conversations: Sequence[Messages], template: str, max_length: int
) -> list[dict[str, list[int]]]:
    """Rows for every conversation; rows left with no assistant token (cut off by max_length) are dropped."""
    if not getattr(tokenizer, "is_fast", False):
        raise ChatFormatError(
            "This model's tokenizer has no fast (Rust) version, which the studio needs to find the tutor's "
            "turns. Choose another base model."
        )
    rows = []
    for messages in conversations:
        rows.extend(tokenize_conversation(tokenizer, messages, template, max_length))
    kept = [row for row in rows if any(label != IGNORE_INDEX for label in row["labels"])]
    if len(kept) < len(rows):
        log.warning(
            "%d conversation(s) had no tutor turn within max_seq_length and were left out",
            len(rows) - len(kept),
        )
    return kept
