"""Training data as the trainer sees it: extra practice on first replies adds each multi-turn conversation's
opening exchange again, never a later turn, and the run's estimate counts those rows."""

from __future__ import annotations

from core.paths import Workspace
from core.store import Store
from core.train.data import data_size, opening_exchange, with_opening_practice
from tests.core.train.conftest import write_dataset

SYSTEM = {"role": "system", "content": "You are a tutor."}
LONG = [
    {"role": "user", "content": "What is 1/2 + 1/3? Just tell me."},
    {"role": "assistant", "content": "What could both denominators, 2 and 3, divide into?"},
    {"role": "user", "content": "6, so 5/6."},
    {"role": "assistant", "content": "Yes, 5/6, and you found it yourself."},
]
SHORT = [
    {"role": "user", "content": "Why is the sky blue?"},
    {"role": "assistant", "content": "What happens to light as it passes through the air?"},
]


def test_each_first_exchange_is_trained_again_and_no_later_turn_is() -> None:
    rows = with_opening_practice([[SYSTEM, *LONG], SHORT], 2)

    assert rows[:2] == [[SYSTEM, *LONG], SHORT]  # every conversation whole, first and once
    assert rows[2:] == [[SYSTEM, *LONG[:2]], [SYSTEM, *LONG[:2]]]  # its opening (system kept), twice
    extra_turns = [m["content"] for row in rows[2:] for m in row if m["role"] == "assistant"]
    assert "Yes, 5/6, and you found it yourself." not in extra_turns


def test_no_practice_and_single_exchange_conversations_add_nothing() -> None:
    assert with_opening_practice([LONG, SHORT], 0) == [LONG, SHORT]
    assert with_opening_practice([SHORT, SHORT], 3) == [SHORT, SHORT]
    assert opening_exchange(SHORT) == SHORT


def test_the_estimate_counts_the_extra_rows(store: Store, workspace: Workspace) -> None:
    dataset = write_dataset(store, workspace, {"train": [LONG, SHORT, LONG], "validation": [SHORT]})

    plain, practised = data_size(dataset), data_size(dataset, opening_practice=1)

    assert (plain.conversations, practised.conversations) == (3, 5)
    assert practised.mean_tokens < plain.mean_tokens  # the openings are shorter than whole conversations
    assert practised.validation_conversations == plain.validation_conversations == 1


def test_with_token_counts_in_the_manifest_the_extras_add_to_them(store: Store, workspace: Workspace) -> None:
    dataset = write_dataset(store, workspace, {"train": [LONG, SHORT, LONG]})
    dataset.manifest["tokens"] = {"train": 300}

    plain, practised = data_size(dataset), data_size(dataset, opening_practice=2)

    assert (plain.conversations, plain.mean_tokens) == (3, 100)
    assert practised.conversations == 7
    assert 300 / 7 < practised.mean_tokens < 100
