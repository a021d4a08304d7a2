"""Validation of chat conversations, shared by import, export, the Review tab and the CLI.

    report = validate_file(path, ValidationRules(counter=token_counter(ws)))
    report.valid, report.invalid, [issue.to_dict() for issue in report.errors]
    for parsed in iter_file(path, rules):      # streaming: one line in memory at a time
        parsed.line, parsed.conversation, parsed.issues

It follows the OpenAI fine-tuning format checks (missing messages list, unknown keys, unrecognised role,
missing content, no assistant message) and adds: invalid UTF-8 or JSON, NaN and duplicate keys, empty
content, consecutive same-role turns where the chat template forbids them, a conversation longer than
the base model's context, and a system prompt that differs from the dataset's. Every issue names the
line (or example id), a category, and the fix. ShareGPT lines (`conversations` of from/value) are read
as chat messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.review.formats import (
    Category,
    ConversationError,
    SourceFormat,
    decode_json,
    parse_messages,
    read_messages,
)
from core.review.records import ROLE_LABELS, Message
from core.review.tokens import TemplateRefused, TokenCounter

__all__ = [
    "Category",
    "ConversationError",
    "ValidationIssue",
    "ValidationReport",
    "ValidationRules",
    "parse_messages",
]

# A file of nothing but bad lines must not fill memory with issues: past this many, only count them.
MAX_REPORTED_ISSUES = 10_000
# Lines needing an exact token count are tokenized together, this many lines at a time (parallel, fast).
BATCH_LINES = 256
PREVIEW_CHARS = 60


@dataclass(frozen=True)
class ValidationIssue:
    category: Category
    message: str
    line: int | None = None
    example_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.line, "category": self.category, "message": self.message}
        if self.example_id is not None:
            data["example_id"] = self.example_id
        return data


@dataclass(frozen=True)
class ValidationRules:
    """What to check beyond the format: the base model's template and context, the dataset's prompt."""

    counter: TokenCounter | None = None
    check_system_prompt: bool = False
    system_prompt: str | None = None  # with check_system_prompt: the prompt every example must carry


@dataclass
class ParsedLine:
    line: int
    messages: list[Message] | None
    issues: list[ValidationIssue]
    source_format: SourceFormat | None = None
    token_count: int | None = None
    needs_count: bool = False  # too long to be sure it fits the context without counting its tokens

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass
class ValidationReport:
    valid: int = 0
    invalid: int = 0
    errors: list[ValidationIssue] = field(default_factory=list)
    more_errors: int = 0

    def add(self, parsed: ParsedLine) -> None:
        if parsed.ok:
            self.valid += 1
            return
        self.invalid += 1
        room = MAX_REPORTED_ISSUES - len(self.errors)
        self.errors.extend(parsed.issues[: max(room, 0)])
        self.more_errors += max(len(parsed.issues) - max(room, 0), 0)

    @property
    def empty(self) -> bool:
        """No line at all: nothing to train on, which validation must not call a pass."""
        return self.valid == 0 and self.invalid == 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "valid": self.valid,
            "invalid": self.invalid,
            "errors": [issue.to_dict() for issue in self.errors],
        }
        if self.more_errors:
            data["more_errors"] = self.more_errors
        return data


def validate_file(path: Path, rules: ValidationRules | None = None) -> ValidationReport:
    """Check every line of a JSONL file, streaming; the report counts valid and invalid lines."""
    report = ValidationReport()
    for parsed in iter_file(path, rules or ValidationRules()):
        report.add(parsed)
    return report


def iter_file(path: Path, rules: ValidationRules) -> Iterator[ParsedLine]:
    """Parse and check a JSONL file a line at a time (a final newline is not an empty line); the few
    conversations that need an exact token count are tokenized BATCH_LINES lines at a time."""
    batch: list[ParsedLine] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a UTF-8 byte-order mark, as Windows editors write it
            batch.append(parse_line(raw.rstrip(b"\r\n"), number, rules))
            if len(batch) >= BATCH_LINES:
                yield from measure(batch, rules.counter)
                batch = []
    yield from measure(batch, rules.counter)


def parse_line(raw: bytes, line: int, rules: ValidationRules) -> ParsedLine:
    try:
        data = decode_json(raw, line)
        messages, source_format = read_messages(data, f"Line {line}")
    except ConversationError as error:
        return ParsedLine(line, None, [ValidationIssue(error.category, str(error), line=line)])
    issues, needs_count = check_messages(messages, rules, f"Line {line}")
    parsed = ParsedLine(line, messages, [_at_line(issue, line) for issue in issues], source_format)
    parsed.needs_count = needs_count
    return parsed


def measure(batch: list[ParsedLine], counter: TokenCounter | None) -> list[ParsedLine]:
    """Count, in one tokenizer call, the tokens of the lines whose size alone could not show they fit."""
    waiting = [p for p in batch if p.needs_count and p.messages is not None]
    if counter is None or not waiting:
        return batch
    texts, measured = [], []
    for parsed in waiting:
        try:
            texts.append(counter.render(parsed.messages or []))
            measured.append(parsed)
        except TemplateRefused as refused:
            parsed.issues.append(
                _at_line(template_issue(counter, f"Line {parsed.line}", str(refused)), parsed.line)
            )
    for parsed, tokens in zip(measured, counter.lengths(texts), strict=True):
        parsed.token_count = tokens
        parsed.issues.extend(
            _at_line(i, parsed.line) for i in context_issues(tokens, counter, f"Line {parsed.line}")
        )
    return batch


def check_messages(
    messages: list[Message], rules: ValidationRules, where: str
) -> tuple[list[ValidationIssue], bool]:
    """Checks on well-formed messages. The flag says the conversation is long enough that only an exact
    token count can tell whether it fits the context (`measure` or `check_example` does that)."""
    issues = [
        ValidationIssue(category, message) for category, message in _content_issues(messages, rules, where)
    ]
    counter = rules.counter
    if issues or counter is None:
        return issues, False
    refusal = counter.shape(tuple(m["role"] for m in messages)).refusal
    if refusal is not None:
        return [template_issue(counter, where, refusal)], False
    return [], not counter.surely_fits(messages)


def _content_issues(
    messages: list[Message], rules: ValidationRules, where: str
) -> Iterator[tuple[Category, str]]:
    for index, message in enumerate(messages, 1):
        if not message["content"].strip():
            label = ROLE_LABELS[message["role"]]
            yield "empty-content", f"{where}: turn {index} ({label}) is empty. Write the turn or delete it."
        if message["role"] == "system" and index > 1:
            yield (
                "role",
                f"{where}: turn {index} is a system message; only the first turn may be one. Move or delete it.",
            )
    if not any(m["role"] == "assistant" for m in messages):
        yield (
            "no-assistant",
            f"{where} has no tutor (assistant) turn, so there is nothing to learn. Add a tutor reply.",
        )
    if rules.check_system_prompt:
        found = messages[0]["content"] if messages[0]["role"] == "system" else None
        if found != rules.system_prompt:
            yield "system-prompt", f"{where}: {_prompt_mismatch(found, rules.system_prompt)}"
    counter = rules.counter
    if counter is not None and counter.forbids_consecutive_roles:
        for index in range(1, len(messages)):
            if messages[index]["role"] == messages[index - 1]["role"]:
                label = ROLE_LABELS[messages[index]["role"]]
                yield (
                    "consecutive-roles",
                    f"{where}: turns {index} and {index + 1} are both {label} turns, which the chat template of "
                    f"{counter.model_name} does not allow. Merge them into one turn.",
                )


def _prompt_mismatch(found: str | None, expected: str | None) -> str:
    def show(text: str | None) -> str:
        if text is None:
            return "no system prompt"
        return f'the system prompt "{text[:PREVIEW_CHARS]}{"..." if len(text) > PREVIEW_CHARS else ""}"'

    return (
        f"has {show(found)} but the dataset uses {show(expected)}. Make them match (or remove the system "
        "message), so training sees one prompt."
    )


def template_issue(counter: TokenCounter, where: str, refusal: str) -> ValidationIssue:
    return ValidationIssue(
        "chat-template",
        f"{where}: the chat template of {counter.model_name} refuses this conversation ({refusal}). "
        "Change the turns so the template accepts them (for example: start with a student turn).",
    )


def context_issues(tokens: int, counter: TokenCounter, where: str) -> list[ValidationIssue]:
    if counter.max_length is None or tokens <= counter.max_length:
        return []
    return [
        ValidationIssue(
            "context-length",
            f"{where} is {tokens:,} tokens long with the chat template of {counter.model_name}, over its "
            f"context length of {counter.max_length:,}. Shorten it or split it into two conversations.",
        )
    ]


def _at_line(issue: ValidationIssue, line: int) -> ValidationIssue:
    return ValidationIssue(issue.category, issue.message, line=line)


def check_example(example_id: str, messages: list[Message], rules: ValidationRules) -> list[ValidationIssue]:
    """The same checks for an example in the store, reported by example id."""
    where = f"Example {example_id}"
    issues, needs_count = check_messages(messages, rules, where)
    if needs_count and rules.counter is not None:
        try:
            issues = context_issues(rules.counter.count(messages), rules.counter, where)
        except TemplateRefused as refused:
            issues = [template_issue(rules.counter, where, str(refused))]
    return [ValidationIssue(i.category, i.message, example_id=example_id) for i in issues]
