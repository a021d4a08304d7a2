"""What baking the tutor policy into an adapter saves: input tokens per message, and per day.

    rounds = [{"base": 31, "prompted": 842, "adapter:a1": 31}, ...]    # input tokens per message
    s = token_savings(rounds, messages_per_day=10_000)
    s.saved_per_message    # 811.0: the policy's tokens, sent with every prompted message
    s.saved_per_day        # 8_110_000

The prompted variant sends the policy as a system prompt with every message; an adapter (or the bare
base) does not. Only messages that ran both a prompted column and a column without the prompt count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.compare.variants import ADAPTER_PREFIX, BASE_KEY, PROMPTED_KEY

DEFAULT_MESSAGES_PER_DAY = 10_000
InputTokens = Mapping[str, int | None]


@dataclass(frozen=True)
class Savings:
    rounds: int  # messages measured
    prompted_tokens: float | None  # mean input tokens per message with the policy as system prompt
    plain_tokens: float | None  # mean input tokens per message without it
    plain_key: str | None  # what "without the prompt" was measured on: an adapter, else the base
    messages_per_day: int

    @property
    def measured(self) -> bool:
        return self.rounds > 0 and self.prompted_tokens is not None and self.plain_tokens is not None

    @property
    def saved_per_message(self) -> float:
        return (self.prompted_tokens or 0.0) - (self.plain_tokens or 0.0) if self.measured else 0.0

    @property
    def saved_per_day(self) -> float:
        return self.saved_per_message * self.messages_per_day

    @property
    def saved_share(self) -> float:
        """The share of the prompted input that the saving is (0..1)."""
        return (
            self.saved_per_message / self.prompted_tokens if self.measured and self.prompted_tokens else 0.0
        )


def plain_key_of(tokens: InputTokens) -> str | None:
    """The column measured without the prompt: the first adapter, else the bare base."""
    adapters = sorted(k for k, v in tokens.items() if k.startswith(ADAPTER_PREFIX) and v is not None)
    if adapters:
        return adapters[0]
    return BASE_KEY if tokens.get(BASE_KEY) is not None else None


def token_savings(rounds: Sequence[InputTokens], messages_per_day: int = DEFAULT_MESSAGES_PER_DAY) -> Savings:
    """Mean input tokens per message, prompted vs without the prompt, over the rounds that had both."""
    if messages_per_day < 0:
        raise ValueError(f"Messages per day must be 0 or more, got {messages_per_day}.")
    prompted: list[int] = []
    plain: list[int] = []
    plain_key: str | None = None
    for tokens in rounds:
        key = plain_key_of(tokens)
        with_prompt = tokens.get(PROMPTED_KEY)
        without = tokens.get(key) if key else None
        if with_prompt is None or without is None:
            continue
        plain_key = plain_key or key
        prompted.append(with_prompt)
        plain.append(without)
    if not prompted:
        return Savings(0, None, None, None, messages_per_day)
    return Savings(
        len(prompted), sum(prompted) / len(prompted), sum(plain) / len(plain), plain_key, messages_per_day
    )
