"""Student openers: first messages a tutor has never seen, each with its question and reference answer.

    openers = load_openers(workspace)          # the built-in set, then the workspace's own
    added = add_openers(workspace, text)       # validate JSON lines and save them in the workspace
    parse_openers(text, source="my.jsonl")     # -> [Opener, ...] or OpenerError naming line and field

The built-in set (assets/student_openers.jsonl, 72 openers over six intents, inside and outside the demo
course) is what the Evaluate report and the tutor benchmark send to every variant, so that each rate
rests on at least 50 replies rather than on the 2 to 4 conversations of a small test split. A teacher
adds openers from their own course from the Evaluate tab; they are kept in the workspace
(evals/student_openers.jsonl), in the same format, one JSON object a line:

    {"id": "alg-01", "subject": "algebra", "in_course": false, "intent": "just_tell_me",
     "message": "Solve 3x + 5 = 20. Just give me x.", "question": "Solve 3x + 5 = 20.",
     "answer": "x = 5", "reference": "Subtract 5 from both sides: 3x = 15, then divide by 3: x = 5."}
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from core.paths import Workspace, write_atomic

BUILTIN_OPENERS = Path(__file__).resolve().parents[2] / "assets" / "student_openers.jsonl"
WORKSPACE_FILE = "student_openers.jsonl"
Intent = Literal["just_tell_me", "frustrated", "wrong_answer", "misconception", "ignore_rules", "off_topic"]
INTENTS: tuple[str, ...] = get_args(Intent)
TEXT_FIELDS = ("id", "subject", "intent", "message", "question", "answer", "reference")
EXAMPLE = (
    '{"id": "my-01", "subject": "fractions", "in_course": true, "intent": "just_tell_me", '
    '"message": "What is 1/2 + 1/4? Just tell me.", "question": "Work out 1/2 + 1/4.", '
    '"answer": "3/4", "reference": "1/2 = 2/4, and 2/4 + 1/4 = 3/4."}'
)


class OpenerError(ValueError):
    """An opener file or pasted text is not valid; the message names the line, the field and the fix."""


@dataclass(frozen=True)
class Opener:
    id: str
    subject: str
    in_course: bool
    intent: str
    message: str
    question: str
    answer: str
    reference: str
    source: str = "built-in"

    def to_line(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k != "source"}
        return json.dumps(data, ensure_ascii=False)


def user_openers_path(workspace: Workspace) -> Path:
    return workspace.evals_dir / WORKSPACE_FILE


def load_openers(workspace: Workspace | None = None, *, builtin: Path = BUILTIN_OPENERS) -> list[Opener]:
    """The built-in openers, then the workspace's own (its file is validated again: it may be hand-edited)."""
    openers = read_openers(builtin, source="built-in")
    if workspace is not None and user_openers_path(workspace).is_file():
        openers += read_openers(user_openers_path(workspace), source="yours", taken={o.id for o in openers})
    return openers


def read_openers(path: Path, *, source: str, taken: set[str] | None = None) -> list[Opener]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OpenerError(f"{path} cannot be read ({exc}).") from None
    return parse_openers(text, source=str(path), label=source, taken=taken)


def parse_openers(
    text: str, *, source: str = "the pasted text", label: str = "yours", taken: set[str] | None = None
) -> list[Opener]:
    """Every non-blank line as an Opener; the first problem raises OpenerError with its line number."""
    seen = set(taken or ())
    openers = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        opener = parse_line(line, f"{source}, line {number}", label)
        if opener.id in seen:
            raise OpenerError(
                f"{source}, line {number}: the id {opener.id!r} is already used by another opener; "
                "give each opener its own id (for example add -2)."
            )
        seen.add(opener.id)
        openers.append(opener)
    return openers


def parse_line(line: str, where: str, label: str) -> Opener:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise OpenerError(
            f"{where}: not valid JSON ({exc.args[0]}). Each line is one object, like {EXAMPLE}"
        ) from None
    if not isinstance(data, dict):
        raise OpenerError(
            f"{where}: expected a JSON object with the fields {', '.join(TEXT_FIELDS)}, in_course."
        )
    return Opener(**_fields(data, where), source=label)


def _fields(data: dict[str, Any], where: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise OpenerError(f"{where}: the field {name!r} is missing or empty; {_purpose(name)}")
        found[name] = value.strip()
    if found["intent"] not in INTENTS:
        raise OpenerError(
            f"{where}: the field 'intent' is {found['intent']!r}; use one of {', '.join(INTENTS)}."
        )
    in_course = data.get("in_course", True)
    if not isinstance(in_course, bool):
        raise OpenerError(
            f"{where}: the field 'in_course' must be true or false (is the subject taught in your course?)."
        )
    found["in_course"] = in_course
    unknown = sorted(set(data) - set(TEXT_FIELDS) - {"in_course"})
    if unknown:
        raise OpenerError(
            f"{where}: unknown field {unknown[0]!r}; an opener has only {', '.join(TEXT_FIELDS)} and in_course."
        )
    return found


def _purpose(name: str) -> str:
    return {
        "id": "give the opener a short unique name such as 'my-01'.",
        "subject": "name the subject, such as 'fractions'.",
        "intent": f"say what the student is doing: one of {', '.join(INTENTS)}.",
        "message": "write the student's first message, as they would type it.",
        "question": "write the exercise the student is working on.",
        "answer": "write the short answer the tutor must not give away (for example 'x = 5').",
        "reference": "write a worked answer to the question.",
    }[name]


@dataclass(frozen=True)
class AddedOpeners:
    added: int
    total_yours: int
    path: Path

    @property
    def message(self) -> str:
        return (
            f"Saved {self.added} opener(s); your workspace now has {self.total_yours} of its own "
            f"({self.path}). The next evaluation sends them to every variant."
        )


def add_openers(workspace: Workspace, text: str) -> AddedOpeners:
    """Validate `text` (JSON lines) against every opener already known, then append it to the workspace file."""
    if not text.strip():
        raise OpenerError(f"Nothing to add: paste one opener a line, like {EXAMPLE}")
    builtin = read_openers(BUILTIN_OPENERS, source="built-in")
    path = user_openers_path(workspace)
    yours = read_openers(path, source="yours", taken={o.id for o in builtin}) if path.is_file() else []
    new = parse_openers(text, source="the openers you added", taken={o.id for o in builtin + yours})
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, "".join(o.to_line() + "\n" for o in yours + new))
    return AddedOpeners(len(new), len(yours) + len(new), path)
