"""Reading chat conversations: one JSONL line in OpenAI chat or ShareGPT form, into checked messages.

    data = decode_json(raw_line_bytes, line=3)            # raises ConversationError(category, message)
    messages, source_format = read_messages(data, "Line 3")
    messages = parse_messages(editor_value, "The conversation")

Errors name where (line or turn), the category of problem, and the fix. The content checks that need
the whole conversation or the base model (empty turns, context length, ...) are in validation.py.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from core.review.records import ROLES, Message

Category = Literal[
    "encoding",
    "blank-line",
    "json",
    "nan",
    "duplicate-key",
    "missing-messages",
    "unknown-key",
    "message-format",
    "role",
    "missing-content",
    "empty-content",
    "no-assistant",
    "consecutive-roles",
    "chat-template",
    "context-length",
    "system-prompt",
    "metadata",
]
SourceFormat = Literal["openai", "sharegpt"]
OPENAI_KEYS = frozenset({"messages"})
SHAREGPT_KEYS = frozenset({"conversations", "id", "system"})
MESSAGE_KEYS = frozenset({"role", "content"})
SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "system": "system",
}


class ConversationError(ValueError):
    """A conversation cannot be read; the message names where, what, and the fix."""

    def __init__(self, category: Category, message: str) -> None:
        super().__init__(message)
        self.category = category


def decode_json(raw: bytes, line: int) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversationError(
            "encoding",
            f"Line {line} is not UTF-8 text (bad byte at position {exc.start}). Save the file as UTF-8.",
        ) from None
    if not text.strip():
        raise ConversationError("blank-line", f"Line {line} is empty. Delete the empty line.")
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except ConversationError as error:
        raise ConversationError(error.category, f"Line {line} {error}") from None
    except json.JSONDecodeError as exc:
        raise ConversationError(
            "json",
            f"Line {line} is not valid JSON ({exc.msg} at column {exc.colno}). Each line must be one JSON "
            'object such as {"messages": [{"role": "user", "content": "..."}]}.',
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ConversationError(
            "json", f"Line {line} could not be read as JSON ({exc}). Rewrite it as one object."
        ) from None
    if not isinstance(data, dict):
        raise ConversationError(
            "json",
            f'Line {line} holds a JSON {type(data).__name__}, not an object. Write {{"messages": [...]}}.',
        )
    return data


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ConversationError(
                "duplicate-key", f'repeats the key "{key}" in one object. Keep only one of them.'
            )
        seen.add(key)
    return dict(pairs)


def _reject_constant(name: str) -> float:
    raise ConversationError(
        "nan", f"contains {name}, which is not valid JSON. Replace it with a number or remove it."
    )


def read_messages(data: dict[str, Any], where: str) -> tuple[list[Message], SourceFormat]:
    """The chat messages of an OpenAI (`messages`) or ShareGPT (`conversations`) object."""
    if "messages" in data:
        _no_unknown_keys(data, OPENAI_KEYS, where)
        return [
            _openai_message(m, i, where) for i, m in enumerate(_message_list(data["messages"], where), 1)
        ], "openai"
    if "conversations" in data:
        _no_unknown_keys(data, SHAREGPT_KEYS, where)
        turns = [
            _sharegpt_message(m, i, where)
            for i, m in enumerate(_message_list(data["conversations"], where), 1)
        ]
        system = data.get("system")
        if system is not None:
            if not isinstance(system, str):
                raise ConversationError(
                    "missing-content", f'{where}: "system" must be text. Write the system prompt as a string.'
                )
            turns.insert(0, {"role": "system", "content": system})
        return turns, "sharegpt"
    raise ConversationError(
        "missing-messages",
        f'{where} has no "messages" list. Write each conversation as {{"messages": [{{"role": "user", '
        '"content": "..."}, {"role": "assistant", "content": "..."}]}.',
    )


def _no_unknown_keys(data: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConversationError(
            "unknown-key",
            f"{where} has the unknown key(s) {', '.join(map(repr, unknown))}. Remove them: only "
            f"{', '.join(sorted(allowed))} may appear (metadata belongs in the .meta.jsonl sidecar).",
        )


def _message_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise ConversationError(
            "missing-messages",
            f"{where}: the messages must be a non-empty list of {{role, content}} objects.",
        )
    return value


def _openai_message(message: Any, index: int, where: str) -> Message:
    if not isinstance(message, dict):
        raise ConversationError(
            "message-format", f"{where}: message {index} is not an object with role and content."
        )
    unknown = sorted(set(message) - MESSAGE_KEYS)
    if unknown:
        raise ConversationError(
            "unknown-key",
            f"{where}: message {index} has the key(s) {', '.join(map(repr, unknown))}, which Tutor Studio does "
            "not keep. Remove them; a message has only role and content.",
        )
    role = message.get("role")
    if role not in ROLES:
        raise ConversationError(
            "role",
            f'{where}: message {index} has the role {role!r}. Use "system", "user" (the student) or '
            '"assistant" (the tutor).',
        )
    return {"role": role, "content": _content(message.get("content"), "content", index, where)}


def _sharegpt_message(message: Any, index: int, where: str) -> Message:
    if not isinstance(message, dict):
        raise ConversationError(
            "message-format", f"{where}: turn {index} is not an object with from and value."
        )
    unknown = sorted(set(message) - {"from", "value"})
    if unknown:
        raise ConversationError(
            "unknown-key",
            f"{where}: turn {index} has the key(s) {', '.join(map(repr, unknown))}. Remove them.",
        )
    role = SHAREGPT_ROLES.get(str(message.get("from")))
    if role is None:
        raise ConversationError(
            "role", f'{where}: turn {index} is from {message.get("from")!r}. Use "human", "gpt" or "system".'
        )
    return {"role": role, "content": _content(message.get("value"), "value", index, where)}


def _content(value: Any, key: str, index: int, where: str) -> str:
    if not isinstance(value, str):
        what = "has no" if value is None else f"has a {type(value).__name__} as"
        raise ConversationError(
            "missing-content", f"{where}: message {index} {what} {key}. Write the turn's text as a string."
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConversationError(
            "encoding",
            f"{where}: message {index} contains a broken \\u escape (a lone surrogate). Fix or remove it.",
        ) from None
    return value


def parse_messages(value: Any, where: str) -> list[Message]:
    """Messages from an editor or an API call, checked like a file line; raises ConversationError."""
    return read_messages({"messages": value}, where)[0]
