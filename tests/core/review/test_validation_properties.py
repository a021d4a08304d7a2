"""Property tests: valid conversations survive export -> import unchanged; damaged files never crash the
validator, and every error it reports has a line and a known category."""

from __future__ import annotations

import tempfile
import typing
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.paths import Workspace
from core.review.content import chat_line
from core.review.export import export_accepted
from core.review.importing import import_file
from core.review.records import NewExample, insert_examples
from core.review.tokens import TokenCounter
from core.review.validation import Category, ValidationRules, iter_file, validate_file
from core.store import Store

CATEGORIES = set(typing.get_args(Category))
text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80).filter(
    lambda s: s.strip() != ""
)
turn = st.tuples(st.sampled_from(["user", "assistant"]), text).map(lambda t: {"role": t[0], "content": t[1]})


@st.composite
def conversations(draw: st.DrawFn) -> list[dict[str, str]]:
    """A valid conversation: an optional system prompt first, any turns, at least one tutor turn."""
    turns = draw(st.lists(turn, min_size=0, max_size=5))
    turns.append({"role": "assistant", "content": draw(text)})
    turns = draw(st.permutations(turns))
    if draw(st.booleans()):
        turns.insert(0, {"role": "system", "content": draw(text)})
    return list(turns)


@settings(max_examples=200, deadline=None)
@given(st.lists(conversations(), min_size=1, max_size=5))
def test_valid_conversations_read_back_exactly_as_written(convs: list[list[dict[str, str]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chats.jsonl"
        path.write_text("".join(chat_line(c) for c in convs), encoding="utf-8")
        parsed = list(iter_file(path, ValidationRules()))
    assert [p.issues for p in parsed] == [[] for _ in convs]
    assert [p.messages for p in parsed] == convs


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(conversations(), min_size=1, max_size=6, unique_by=lambda c: chat_line(c)))
def test_any_valid_conversation_round_trips_export_then_import_unchanged(
    counter: TokenCounter, convs: list[list[dict[str, str]]]
) -> None:
    # One system prompt per dataset (the build enforces it), so give every conversation the same one.
    convs = [[m for m in c if m["role"] != "system"] for c in convs]
    with tempfile.TemporaryDirectory() as folder:
        source, target = Store.open(Workspace(Path(folder) / "a")), Store.open(Workspace(Path(folder) / "b"))
        with source.transaction() as conn:
            insert_examples(
                conn, [NewExample(messages=c, status="accepted", intent="confused") for c in convs]
            )
        exported = export_accepted(
            source, Workspace(Path(folder) / "a"), Path(folder) / "out", counter=counter
        )
        for split in ("train", "validation", "test"):
            import_file(
                target, Workspace(Path(folder) / "b"), exported.path / f"{split}.jsonl", counter=counter
            )
        rows = target.query("SELECT messages, intent FROM examples")
    from core.store import from_json

    assert sorted(chat_line(from_json(r["messages"])) for r in rows) == sorted(chat_line(c) for c in convs)
    assert {r["intent"] for r in rows} == {"confused"}  # the metadata sidecar came back too


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    for kind, position, payload in edits:
        at = position % (len(data) + 1)
        if kind == 0:
            data = data[:at] + payload + data[at:]
        elif kind == 1:
            data = data[:at] + data[at + len(payload) :]
        else:
            data = data[:at] + payload + data[at + len(payload) :]
    return data


edit = st.tuples(
    st.integers(0, 2),
    st.integers(0, 10_000),
    st.one_of(
        st.binary(min_size=1, max_size=4),
        st.sampled_from([b'"', b"{", b"}", b",", b"\n", b"\\u", b"\xff", b"NaN"]),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(conversations(), min_size=1, max_size=4), st.lists(edit, min_size=1, max_size=6))
def test_damaged_files_never_crash_and_every_error_has_a_line_and_category(
    strict_counter: TokenCounter, convs: list[list[dict[str, str]]], edits: list[tuple[int, int, bytes]]
) -> None:
    data = mutate("".join(chat_line(c) for c in convs).encode(), edits)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.jsonl"
        path.write_bytes(data)
        report = validate_file(path, ValidationRules(counter=strict_counter, check_system_prompt=True))
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    assert report.valid + report.invalid == lines
    assert report.invalid == len({e.line for e in report.errors})
    for error in report.errors:
        assert isinstance(error.line, int) and 1 <= error.line <= lines
        assert error.category in CATEGORIES and error.message.startswith(f"Line {error.line}")
