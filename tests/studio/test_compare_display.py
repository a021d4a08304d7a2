"""The Compare tab's formatting: replies and usage, token savings, the blind reveal, the leaderboard."""

from __future__ import annotations

from core.compare.blind import VoteOutcome
from core.compare.leaderboard import Leaderboard, PairRecord, Rating
from core.compare.records import Comparison, ShownVariant, Vote
from core.compare.savings import Savings
from core.compare.session import ColumnReply
from core.inference.backend import Usage
from studio.tabs.compare import display as show

STUDENT = {"role": "user", "content": "Just tell me"}
USAGE = Usage(prompt_tokens=812, completion_tokens=40, ttft_s=0.25, total_s=1.5)
COMPARISON = Comparison(
    id="cmp_1", message="Just tell me", prompt=[STUDENT],
    variants=[ShownVariant("base", "Base model"), ShownVariant("prompted", "Prompted"), ShownVariant("adapter:a1", "Adapter a1")],
    shown_order=[2, 0, 1], seed=3, replies=["x", "y", "z"],
    usage=[{"prompt_tokens": 11, "completion_tokens": 5, "ttft_s": 0.1, "total_s": 0.5}, {}, {"prompt_tokens": 12, "completion_tokens": 6, "ttft_s": None, "total_s": 0.7}],
    settings={}, base_model="tiny", creator=None, created_at=1.0,
)  # fmt: skip
BOARD = Leaderboard(
    ratings=[Rating("adapter:a1", "Adapter a1 (tutor@v1)", 1080.4, 1010.0, 1150.0, 3, 4, 1),
             Rating("base", "Base model", 919.6, 850.0, 990.0, 3, 1, 4)],
    pairs=[PairRecord("adapter:a1", "base", "Adapter a1", "Base model", 3, 1)], votes=3, comparisons=3,
)  # fmt: skip


def reply(text: str, usage: Usage | None = None, error: str | None = None) -> ColumnReply:
    return ColumnReply(
        "base", "Base model", [STUDENT, {"role": "assistant", "content": text}], usage, error=error
    )


def test_big_token_counts_read_in_words() -> None:
    assert [show.format_tokens(n) for n in (811, 12_400, 8.1e6, 2.4e9)] == [
        "811",
        "12,400",
        "8.1 million",
        "2.4 billion",
    ]


def test_an_empty_reply_says_so_instead_of_an_empty_bubble() -> None:
    assert show.chat_messages(reply("", USAGE))[-1]["content"] == show.EMPTY_REPLY
    assert show.chat_messages(reply(""))[-1]["content"] == "…"  # still writing
    assert show.chat_messages(reply("Hi", USAGE))[-1]["content"] == "Hi"


def test_usage_shows_tokens_and_timings_unless_blind() -> None:
    line = show.usage_html(reply("Hi", USAGE))
    assert "Input <b>812</b>" in line and "output <b>40</b>" in line and "first token 0.25 s" in line
    assert show.HIDDEN_USAGE in show.usage_html(reply("Hi", USAGE), hidden=True)
    assert "Writing" in show.usage_html(reply("Hi"))
    assert "failed: &lt;boom&gt;" in show.usage_html(reply("", error="<boom>"))


def test_savings_say_what_the_prompt_costs_per_message_and_per_day() -> None:
    savings = Savings(
        rounds=2, prompted_tokens=900.0, plain_tokens=100.0, plain_key="adapter:a1", messages_per_day=1000
    )
    text = show.savings_html(savings, show.plain_label(savings.plain_key))
    assert "<b>800 input tokens</b>" in text and "for adapter a1 (measured on 2 messages)" in text
    assert "<b>800,000 tokens a day</b>" in text and "24.0 million a month" in text
    assert show.savings_frame(savings, "adapter a1").values.tolist() == [
        ["Prompted (with the policy)", 900.0],
        ["adapter a1", 100.0],
    ]
    empty = Savings(0, None, None, None, 1000)
    assert show.EMPTY_SAVINGS in show.savings_html(empty, "") and show.savings_frame(empty, "").empty


def test_the_reveal_names_each_blind_tutor_with_its_rank_and_usage() -> None:
    vote = Vote("v1", "cmp_1", "voter", ["base", "adapter:a1"], None, 2.0)
    outcome = VoteOutcome(COMPARISON, vote, counted=True)
    assert "<li><b>Tutor A</b> was Adapter a1 ranked <b>2nd</b></li>" in show.reveal_html(outcome)
    assert show.revealed_title(outcome, 1) == "### Tutor B\nBase model · ranked **1st**"
    assert show.revealed_title(outcome, 2) == "### Tutor C\nPrompted"
    assert 'data-prompt-tokens="11"' in show.revealed_usage(outcome, 1)
    assert show.revealed_usage(outcome, 2) == ""  # no usage recorded for that reply
    assert "already counted" in show.reveal_html(VoteOutcome(COMPARISON, vote, counted=False))


def test_vote_choices_skip_empty_columns() -> None:
    assert show.vote_choices([reply("a"), None, reply("b")]) == [("Tutor A", "A"), ("Tutor C", "C")]


def test_the_leaderboard_ranks_best_first_with_ranges_and_head_to_heads() -> None:
    assert "<b>3 votes</b> on <b>3 blind comparisons</b>" in show.leaderboard_summary(BOARD)
    assert show.ratings_frame(BOARD).values.tolist()[0] == [
        1,
        "Adapter a1 (tutor@v1)",
        1080,
        "1010 to 1150",
        3,
        4,
        1,
    ]
    assert show.pairs_frame(BOARD).values.tolist() == [["Adapter a1", "Base model", 3, 1, "75%"]]
    assert show.win_rate_frame(BOARD).values.tolist() == [["Adapter a1", 80], ["Base model", 20]]
    assert show.ratings_svg(BOARD).count("<circle") == 2


def test_an_empty_leaderboard_explains_how_to_get_votes() -> None:
    empty = Leaderboard([], [], 0, 0)
    assert show.EMPTY_LEADERBOARD in show.leaderboard_summary(empty) and show.ratings_svg(empty) == ""


def test_column_titles_and_the_blind_note_use_the_variant_names() -> None:
    assert [show.key_label(k) for k in (None, "base", "adapter:a1")] == [
        "Empty column",
        show.BASE_LABEL,
        "Adapter a1",
    ]
    note = show.contestants_note(["base", None, "adapter:a1"])
    assert note.startswith(f"**Blind mode:** {show.BASE_LABEL}, Adapter a1 answer")
