"""Where preference pairs come from: votes, leaks caught by the Generate filter, and Review edits."""

from __future__ import annotations

import pytest

from core.evaluate.behaviour.leaks import answer_key, states_answer
from core.evaluate.behaviour.questions import guiding_questions
from core.store import Store
from core.train.pairs import PreferencePair, dedupe
from core.train.pairs_socratic import socratic_reply
from core.train.pairs_sources import collect_pairs, edit_pairs, edited_turns, leak_pairs, vote_pairs
from tests.core.train.preference_seed import seed_all, seed_edits, seed_leaks, seed_votes


def test_votes_prefer_the_winning_reply_and_carry_no_system_prompt(store: Store) -> None:
    seed_votes(store, count=3)
    items, skipped = vote_pairs(store)
    assert len(items) == 3 and skipped == 0
    first = items[0]
    assert first.prompt == [{"role": "user", "content": "What is 1/4 + 2/3? Just tell me."}]
    assert first.chosen.startswith("Good question!") and first.rejected == "The answer is 11/12."
    assert first.record()["chosen"] == [{"role": "assistant", "content": first.chosen}]


def test_a_leak_becomes_the_rejected_reply_and_a_socratic_rewrite_the_chosen_one(store: Store) -> None:
    seed_leaks(store)
    items, skipped = leak_pairs(store)
    assert len(items) == 2 and skipped == 0  # the kept item of the run makes no pair
    item = items[0]
    assert item.prompt == [{"role": "user", "content": "Leak 0: I don't get What is 1/4 + 1/3?"}]
    assert "7/12" in item.rejected and "7/12" not in item.chosen
    key = answer_key("1/4 + 1/3 = 7/12", "What is 1/4 + 1/3?")
    assert states_answer(item.rejected, key) is not None and states_answer(item.chosen, key) is None
    assert item.chosen.startswith("Nice try!") and guiding_questions(item.chosen)


def test_the_socratic_rewrite_keeps_the_tutor_voice_and_refuses_when_nothing_is_left() -> None:
    key = answer_key("3/4 + 1/8 = 7/8", "What is 3/4 + 1/8?")
    kept = socratic_reply("Great effort! Use 8 as the denominator. So the answer is 7/8. Clear?", key, "s")
    assert kept is not None and kept.startswith("Great effort! Use 8 as the denominator.")
    assert "7/8" not in kept and guiding_questions(kept)
    bare = socratic_reply("7/8.", key, "s")
    assert bare is not None and "7/8" not in bare  # an opener and a guiding question stand in
    assert socratic_reply("7/8.", key, "s") == bare  # deterministic


def test_a_reviewers_edit_prefers_the_edited_turn_over_the_original(store: Store) -> None:
    ids = seed_edits(store)
    items, _skipped = edit_pairs(store)
    assert [i.meta["example_id"] for i in items] == ids
    item = items[0]
    assert item.prompt[-1]["role"] == "user" and len(item.prompt) == 1
    assert item.chosen.startswith("Good question!") and item.rejected.startswith("Sure. The answer is")


def test_edits_after_a_changed_student_turn_are_not_pairs() -> None:
    original = [
        {"role": "user", "content": "Q"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "S2"},
        {"role": "assistant", "content": "A2"},
    ]
    current = [dict(m) for m in original]
    current[2]["content"] = "A different student turn"
    current[3]["content"] = "A2 rewritten"
    assert edited_turns(original, current) == []
    current[1]["content"] = "A1 rewritten"
    assert edited_turns(original, current) == [([original[0]], "A1 rewritten", "A1")]
    cosmetic = [dict(m) for m in original]
    cosmetic[1]["content"] = "a1!"  # only case and punctuation changed: not a preference
    assert edited_turns(original, cosmetic) == []


def test_collect_deduplicates_and_counts_per_source(store: Store) -> None:
    seed_all(store)
    found = collect_pairs(store)
    assert found.counts == {"votes": 6, "leaks": 2, "edits": 2}
    assert len(found.items) == 10 and len({i.key for i in found.items}) == 10
    only_votes = collect_pairs(store, ["votes"])
    assert only_votes.counts == {"votes": 6} and all(i.source == "votes" for i in only_votes.items)
    with pytest.raises(ValueError, match="Unknown preference source"):
        collect_pairs(store, ["likes"])


def test_unusable_and_repeated_pairs_are_dropped() -> None:
    prompt = [{"role": "user", "content": "Hi"}]
    good = PreferencePair(prompt, "What do you think first?", "It is 4.", "votes", "v1")
    same = PreferencePair(prompt, "Same!", "same", "votes", "v2")
    no_student = PreferencePair([{"role": "assistant", "content": "x"}], "a b", "c d", "edits", "e1")
    kept, dropped = dedupe([good, good, same, no_student])
    assert kept == [good] and dropped == 3
    assert good.group == PreferencePair([{"role": "user", "content": "  hi "}], "x", "y", "leaks", "l").group
