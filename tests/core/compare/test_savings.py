"""What baking the prompt in saves: input tokens per message, and per day."""

from __future__ import annotations

import pytest

from core.compare.savings import token_savings


def test_an_800_token_prompt_at_10000_messages_a_day_is_8_million_tokens() -> None:
    savings = token_savings([{"prompted": 830, "adapter:a1": 30, "base": 30}], messages_per_day=10_000)
    assert savings.saved_per_message == 800
    assert savings.saved_per_day == 8_000_000
    assert savings.saved_share == pytest.approx(800 / 830)
    assert savings.plain_key == "adapter:a1"


def test_savings_average_over_messages_and_fall_back_to_the_base() -> None:
    rounds = [
        {"prompted": 820, "base": 20},
        {"prompted": 900, "base": 96},
        {"base": 40},
    ]  # the last has no prompted column
    savings = token_savings(rounds, messages_per_day=100)
    assert savings.rounds == 2 and savings.plain_key == "base"
    assert savings.saved_per_message == pytest.approx(((820 - 20) + (900 - 96)) / 2)
    assert savings.saved_per_day == pytest.approx(savings.saved_per_message * 100)


def test_nothing_is_claimed_without_both_kinds_of_column() -> None:
    savings = token_savings([{"prompted": 820}, {"base": 20, "adapter:a1": 20}])
    assert not savings.measured and savings.saved_per_day == 0
    with pytest.raises(ValueError, match="0 or more"):
        token_savings([], messages_per_day=-1)
