"""The tutor policy: shipped default, edits stored in the workspace, too-short text refused."""

from __future__ import annotations

import pytest

from core.policy import PolicyError, current_policy, default_policy, save_policy
from core.store import Store


def test_default_policy_covers_the_socratic_rules() -> None:
    policy = default_policy().lower()
    for rule in (
        "never give the final answer",
        "one guiding question",
        "praise effort",
        "frustrat",
        "just tell me",
    ):
        assert rule in policy


def test_edited_policy_is_stored_and_empty_restores_default(store: Store) -> None:
    edited = "Always answer with a question that helps the student take one small step forward."
    assert save_policy(store, edited) == edited
    assert current_policy(store) == edited
    assert save_policy(store, "   ") == default_policy()


def test_too_short_policy_is_refused_with_the_fix(store: Store) -> None:
    with pytest.raises(PolicyError, match="clear the box"):
        save_policy(store, "be nice")
    assert current_policy(store) == default_policy()
