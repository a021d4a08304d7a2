"""The validator names the line, the category and the fix for every problem in a JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.review.tokens import TokenCounter
from core.review.validation import ValidationRules, check_example, validate_file
from tests.core.review.conftest import chat

GOOD = json.dumps({"messages": chat("What is 1/2 + 1/4?", "What denominator could both share?")})


def write_lines(tmp_path: Path, *lines: str | bytes) -> Path:
    path = tmp_path / "chats.jsonl"
    path.write_bytes(b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines))
    return path


@pytest.mark.parametrize(
    ("line", "category"),
    [
        (b'{"messages": [{"role": "user", "content": "caf\xe9"}]}', "encoding"),
        ("", "blank-line"),
        ("{not json", "json"),
        ("[1, 2]", "json"),
        ('{"messages": [{"role": "user", "content": NaN}]}', "nan"),
        ('{"messages": [], "messages": []}', "duplicate-key"),
        ('{"prompt": "hi", "completion": "there"}', "missing-messages"),
        ('{"messages": []}', "missing-messages"),
        ('{"messages": [{"role": "user", "content": "a"}], "source": "x"}', "unknown-key"),
        ('{"messages": [{"role": "user", "content": "a", "weight": 1}]}', "unknown-key"),
        ('{"messages": ["hello"]}', "message-format"),
        ('{"messages": [{"role": "tool", "content": "a"}, {"role": "assistant", "content": "b"}]}', "role"),
        ('{"messages": [{"role": "user"}, {"role": "assistant", "content": "b"}]}', "missing-content"),
        (
            '{"messages": [{"role": "user", "content": ["part"]}, {"role": "assistant", "content": "b"}]}',
            "missing-content",
        ),
        (
            '{"messages": [{"role": "user", "content": "  "}, {"role": "assistant", "content": "b"}]}',
            "empty-content",
        ),
        ('{"messages": [{"role": "user", "content": "only a question"}]}', "no-assistant"),
        (
            '{"messages": [{"role": "user", "content": "\\ud800"}, {"role": "assistant", "content": "b"}]}',
            "encoding",
        ),
    ],
)
def test_each_problem_is_reported_with_its_line_and_category(
    tmp_path: Path, line: str | bytes, category: str
) -> None:
    report = validate_file(write_lines(tmp_path, GOOD, line, GOOD))
    assert (report.valid, report.invalid) == (2, 1)
    assert [(e.line, e.category) for e in report.errors] == [(2, category)]
    message = report.errors[0].message
    assert message.startswith("Line 2") and len(message) > 30


def test_sharegpt_lines_are_read_as_chat_messages(tmp_path: Path) -> None:
    line = json.dumps(
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Which topic?"}]}
    )
    report = validate_file(write_lines(tmp_path, line))
    assert report.valid == 1 and report.errors == []


def test_a_byte_order_mark_and_windows_line_endings_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode() + b"\r\n" + GOOD.encode() + b"\r\n")
    assert validate_file(path).to_dict() == {"valid": 2, "invalid": 0, "errors": []}


def test_consecutive_roles_are_flagged_only_where_the_template_forbids_them(
    tmp_path: Path, counter: TokenCounter, strict_counter: TokenCounter
) -> None:
    line = json.dumps({"messages": chat("one", "two")[:1] * 2 + chat("x", "reply")[1:]})
    path = write_lines(tmp_path, line)
    assert validate_file(path, ValidationRules(counter=counter)).invalid == 0
    strict = validate_file(path, ValidationRules(counter=strict_counter))
    assert [e.category for e in strict.errors] == ["consecutive-roles"]
    assert "strict-model" in strict.errors[0].message and "Merge" in strict.errors[0].message


def test_a_template_refusal_is_reported_in_plain_words(tmp_path: Path, strict_counter: TokenCounter) -> None:
    line = json.dumps({"messages": chat("Hi", "What topic?", system="Be kind.")})
    report = validate_file(write_lines(tmp_path, line), ValidationRules(counter=strict_counter))
    assert [e.category for e in report.errors] == ["chat-template"]
    assert "System role not supported" in report.errors[0].message


def test_a_conversation_over_the_context_length_is_flagged_with_its_token_count(
    tmp_path: Path, strict_counter: TokenCounter
) -> None:
    long_line = json.dumps({"messages": chat("word " * 80, "What do you think?")})
    report = validate_file(write_lines(tmp_path, GOOD, long_line), ValidationRules(counter=strict_counter))
    assert [(e.line, e.category) for e in report.errors] == [(2, "context-length")]
    assert "context length of 64" in report.errors[0].message


def test_a_system_prompt_that_differs_from_the_datasets_is_flagged() -> None:
    rules = ValidationRules(check_system_prompt=True, system_prompt=None)
    issues = check_example("ex_1", chat("Hi", "What topic?", system="You are a tutor."), rules)
    assert [(i.example_id, i.category) for i in issues] == [("ex_1", "system-prompt")]
    assert check_example("ex_2", chat("Hi", "What topic?"), rules) == []


def test_the_report_keeps_counting_past_its_error_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.review.validation.MAX_REPORTED_ISSUES", 3)
    report = validate_file(write_lines(tmp_path, *(["{bad"] * 5)))
    assert report.invalid == 5 and len(report.errors) == 3
    assert report.to_dict()["more_errors"] == 2
