"""A Compare round: one message streamed to every column at once, each column with its own history."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.compare import session
from core.compare.backends import LocalCompareContext
from core.compare.records import get_comparison
from core.compare.session import CompareError, RoundRequest, RoundSnapshot, run_round, stream_round
from core.inference.backend import GenerationConfig
from core.models.loading import count_tokens
from core.policy import current_policy, save_policy
from tests.core.compare.conftest import ADAPTER_KEY, register_adapter

GREEDY = GenerationConfig(max_new_tokens=12, temperature=0)
KEYS = ["base", "prompted", ADAPTER_KEY]
MESSAGE = "Why do plants need sunlight?"


def test_one_message_streams_three_non_empty_replies_at_once(
    compare_ctx: LocalCompareContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        session, "UPDATE_INTERVAL_S", 0.0
    )  # every piece shows: the tiny model is too fast to see
    snapshots = list(stream_round(compare_ctx, RoundRequest(MESSAGE, KEYS, config=GREEDY)))
    final = snapshots[-1]
    assert final.finished and final.error is None and final.comparison_id is None
    assert [c.key for c in final.columns if c] == KEYS
    assert all(c and c.text and c.usage and c.usage.completion_tokens for c in final.columns)
    lengths = [[len(c.text) if c else 0 for c in s.columns] for s in snapshots]
    growing = [n for n in lengths if min(n) > 0 and max(n) < max(lengths[-1])]
    assert growing, "the columns should show partial replies before the end, all of them at once"


def test_prompted_usage_counts_the_policy_and_the_adapter_does_not(compare_ctx: LocalCompareContext) -> None:
    final = run_round(compare_ctx, RoundRequest(MESSAGE, KEYS, config=GREEDY))
    usage = final.usage_by_key()
    tokenizer = compare_ctx.chat_backends.local(compare_ctx.workspace, compare_ctx.base).tokenizer
    student = [{"role": "user", "content": MESSAGE}]
    with_policy = [{"role": "system", "content": current_policy(compare_ctx.store)}, *student]
    assert usage["prompted"].prompt_tokens == count_tokens(tokenizer, with_policy, add_generation_prompt=True)
    assert usage["base"].prompt_tokens == count_tokens(tokenizer, student, add_generation_prompt=True)
    assert usage[ADAPTER_KEY].prompt_tokens == usage["base"].prompt_tokens
    assert usage["prompted"].prompt_tokens - usage[ADAPTER_KEY].prompt_tokens > 300  # the policy is long


def test_each_column_keeps_its_own_history(compare_ctx: LocalCompareContext) -> None:
    first = run_round(compare_ctx, RoundRequest(MESSAGE, KEYS, config=GREEDY))
    histories = [c.conversation if c else [] for c in first.columns]
    second = run_round(compare_ctx, RoundRequest("And at night?", KEYS, histories, GREEDY))
    for before, after in zip(first.columns, second.columns, strict=True):
        assert before and after
        assert after.conversation[:2] == before.conversation  # its own earlier reply, not another column's
        assert [m["role"] for m in after.conversation] == ["user", "assistant", "user", "assistant"]
        assert after.usage.prompt_tokens > before.usage.prompt_tokens  # type: ignore[union-attr]
    assert second.columns[0].conversation[1] != second.columns[2].conversation[1]  # type: ignore[union-attr]


def test_an_edited_policy_is_what_the_prompted_column_sends(compare_ctx: LocalCompareContext) -> None:
    default = run_round(compare_ctx, RoundRequest(MESSAGE, ["prompted"], config=GREEDY)).usage_by_key()
    save_policy(compare_ctx.store, "Be brief. Ask one guiding question and never give the answer away.")
    edited = run_round(compare_ctx, RoundRequest(MESSAGE, ["prompted"], config=GREEDY)).usage_by_key()
    assert edited["prompted"].prompt_tokens < default["prompted"].prompt_tokens  # type: ignore[operator]


def test_blind_round_is_stored_with_its_shuffled_order(compare_ctx: LocalCompareContext) -> None:
    final = run_round(compare_ctx, RoundRequest(MESSAGE, KEYS, config=GREEDY, blind=True, seed=5))
    assert final.blind and final.comparison_id
    comparison = get_comparison(compare_ctx.store, final.comparison_id)
    assert comparison is not None and comparison.seed == 5 and comparison.keys == KEYS
    shown = [c.key for c in final.columns if c]
    assert shown == [v.key for v in comparison.shown] and sorted(comparison.shown_order) == [0, 1, 2]
    for column in final.columns:
        assert column and comparison.reply_of(column.key) == column.text
    assert comparison.prompt == [{"role": "user", "content": MESSAGE}]
    again = run_round(compare_ctx, RoundRequest(MESSAGE, KEYS, config=GREEDY, blind=True, seed=5))
    assert [c.key for c in again.columns if c] == shown


def test_blind_rounds_ignore_earlier_history(compare_ctx: LocalCompareContext) -> None:
    history = [[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]] * 3
    final = run_round(compare_ctx, RoundRequest(MESSAGE, KEYS, history, GREEDY, blind=True))
    assert all(c and len(c.conversation) == 2 for c in final.columns)


def test_an_empty_column_is_skipped(compare_ctx: LocalCompareContext) -> None:
    final = run_round(compare_ctx, RoundRequest(MESSAGE, ["base", None, "prompted"], config=GREEDY))
    assert final.columns[1] is None and final.columns[0] and final.columns[2]


@pytest.mark.parametrize(
    ("request_", "fix"),
    [
        (RoundRequest("   ", KEYS), "Type a student message"),
        (RoundRequest(MESSAGE, [None, None, None]), "Pick a tutor"),
        (RoundRequest(MESSAGE, ["base", "base", "prompted"], blind=True), "different tutor"),
        (RoundRequest(MESSAGE, ["base"], blind=True), "at least two"),
        (RoundRequest(MESSAGE, ["adapter:nope"]), "no adapter 'nope'"),
    ],
)
def test_bad_rounds_are_refused_with_the_fix(
    compare_ctx: LocalCompareContext, request_: RoundRequest, fix: str
) -> None:
    with pytest.raises(CompareError, match=fix):
        next(stream_round(compare_ctx, request_))


def test_an_adapter_whose_files_are_gone_says_so(compare_ctx: LocalCompareContext, tmp_path: Path) -> None:
    register_adapter(compare_ctx.store, tmp_path / "deleted", adapter_id="gone")
    with pytest.raises(CompareError, match="files of adapter gone are missing"):
        next(stream_round(compare_ctx, RoundRequest(MESSAGE, ["adapter:gone"])))


def test_a_failing_backend_keeps_the_partial_round_and_explains(
    compare_ctx: LocalCompareContext, tmp_path: Path
) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "adapter_config.json").write_text("{}")  # no weights: the backend refuses it
    register_adapter(compare_ctx.store, tmp_path / "broken", adapter_id="broken")
    final: RoundSnapshot = run_round(
        compare_ctx, RoundRequest(MESSAGE, ["base", "adapter:broken"], config=GREEDY)
    )
    assert final.finished and final.error and "safetensors" in final.error
    assert all(c and c.error for c in final.columns if c and not c.usage)


def test_screen_updates_are_throttled(
    compare_ctx: LocalCompareContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "UPDATE_INTERVAL_S", 3600.0)
    snapshots = list(stream_round(compare_ctx, RoundRequest(MESSAGE, KEYS, config=GenerationConfig(40, 0))))
    assert len(snapshots) <= 1 + 3 + 1  # "writing", one per finished column, the final one
