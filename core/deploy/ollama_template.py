"""Ollama's TEMPLATE (a Go template) for a Jinja chat template, checked to render the same text.

    found = ollama_template(tokenizer)         # TurnTemplate or None when no known format fits
    found.go_template, found.stops, found.family

Ollama cannot run Jinja, so the studio recognises the two turn formats its tutors' base models use
(ChatML: Qwen2.5, SmolLM2, the offline tiny model; and Llama 3's header format), including a default
system prompt the template adds when a conversation has none. The Go template is then checked, not
assumed: rendering probe conversations (without a system prompt, as the tutor is served) with the
recognised format must give exactly what `tokenizer.apply_chat_template` gives. When it does not, no
TEMPLATE is written and the export says so: a wrong template is worse than Ollama's own detection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Messages = Sequence[dict[str, str]]
PROBES: tuple[tuple[dict[str, str], ...], ...] = (
    ({"role": "user", "content": "What is 3/4 + 1/8?"},),
    (
        {"role": "user", "content": "I'm stuck on fractions."},
        {"role": "assistant", "content": "That's okay! What is the denominator of 3/4?"},
        {"role": "user", "content": "4?"},
    ),
)


@dataclass(frozen=True)
class TurnFormat:
    family: str
    start: str  # before the role name
    after_role: str  # between the role name and the content
    end: str  # after the content
    stops: tuple[str, ...]

    def render(self, messages: Messages, default_system: str | None) -> str:
        """What this format gives for a conversation, with the generation prompt."""
        text = ""
        if default_system is not None and (not messages or messages[0]["role"] != "system"):
            text += f"{self.start}system{self.after_role}{default_system}{self.end}"
        for message in messages:
            text += f"{self.start}{message['role']}{self.after_role}{message['content']}{self.end}"
        return text + f"{self.start}assistant{self.after_role}"

    def go_template(self, default_system: str | None) -> str:
        head = ""
        if default_system is not None:
            head = (
                '{{ if or (not .Messages) (ne (index .Messages 0).Role "system") }}'
                f"{self.start}system{self.after_role}{default_system}{self.end}{{{{ end }}}}"
            )
        body = f"{{{{ range .Messages }}}}{self.start}{{{{ .Role }}}}{self.after_role}{{{{ .Content }}}}{self.end}{{{{ end }}}}"
        return head + body + f"{self.start}assistant{self.after_role}"


FORMATS = (
    TurnFormat("chatml", "<|im_start|>", "\n", "<|im_end|>\n", ("<|im_end|>", "<|im_start|>")),
    TurnFormat(
        "llama3",
        "<|start_header_id|>",
        "<|end_header_id|>\n\n",
        "<|eot_id|>",
        ("<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"),
    ),
)


@dataclass(frozen=True)
class TurnTemplate:
    family: str
    go_template: str
    stops: tuple[str, ...]
    default_system: str | None


def ollama_template(tokenizer: Any) -> TurnTemplate | None:
    """The Go template for this tokenizer's chat template, or None when no checked format matches."""
    for turn in FORMATS:
        if turn.start not in str(getattr(tokenizer, "chat_template", "") or ""):
            continue
        rendered = [_hf_render(tokenizer, probe) for probe in PROBES]
        default = _default_system(turn, rendered[0])
        if all(turn.render(probe, default) == text for probe, text in zip(PROBES, rendered, strict=True)):
            return TurnTemplate(turn.family, turn.go_template(default), turn.stops, default)
    return None


def _hf_render(tokenizer: Any, messages: Messages) -> str:
    text = str(tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True))
    bos = getattr(tokenizer, "bos_token", None)
    return text[len(bos) :] if bos and text.startswith(bos) else text  # Ollama adds the BOS token itself


def _default_system(turn: TurnFormat, rendered: str) -> str | None:
    """The system prompt the template inserts into a conversation that has none, if any."""
    opening = f"{turn.start}system{turn.after_role}"
    if not rendered.startswith(opening):
        return None
    body = rendered[len(opening) :]
    cut = body.find(turn.end)
    return body[:cut] if cut >= 0 else None
