"""Turn one command's `--json` output into stable text for a golden file, and compare it with one.

    text = render_golden(normalise_output(json.loads(stdout), workspace_root=ws, repo_root=repo))
    problem = golden_mismatch("train", text)      # None when equal; a unified diff naming the command

What varies from run to run is masked; everything else is kept exactly: key names, key order,
nesting, value types, and the stable values (counts, statuses, variant names, messages).

- Volatile keys (VOLATILE_KEYS, VOLATILE_SUFFIXES): timings, timestamps, numbers that depend on the
  random-weight model, and the template teacher's wording (seeded by chunk ids, which are random). Every
  value under such a key is replaced by its type ("<float>", "<int>", "<str>", "<bool>", "<list>");
  null stays null, and dict keys below it are kept.
- Machine keys (MACHINE_KEYS): facts about the computer (cores, memory, disk, installed extras). Every
  value under them, whatever its type, reads "<machine>"; dict keys below it are kept.
- Sampled keys (given per command): an unseeded random sample, such as `generate --preview`'s three
  conversations. Every value under them, whatever its type, reads "<sampled>"; dict keys are kept.
- Random ids (`job_1a2b3c4d5e`) become `<job_1>`, `<job_2>`, ... in order of first appearance, so that a
  command that names the same id twice still shows it.
- The workspace folder reads `<WS>` and the repository `<REPO>`; ISO timestamps read `<timestamp>`.

Set UPDATE_GOLDEN=1 to rewrite the golden files from the current outputs instead of comparing.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_ENV = "UPDATE_GOLDEN"

VOLATILE_KEYS = frozenset(
    {
        # durations, speeds, timestamps
        "seconds",
        "elapsed_s",
        "train_seconds",
        "ttft_s",
        "timings",
        "rate_per_min",
        "tokens_per_second",
        "created_at",
        # numbers and text that depend on the random-weight model and its two training steps
        "first_loss",
        "final_loss",
        "eval_loss",
        "kl_to_prompted",
        "forgetting",
        "first_reward_margin",
        "reward_margin",
        "test_reward_margin",
        "test_reward_accuracy",
        "replies",
        "substance",
    }
)
# question_rate, leak_rate, refusal_rate, ...; opening_share, distinct_share; any *_at timestamp
VOLATILE_SUFFIXES = ("_rate", "_share", "_at")
MACHINE_KEYS = frozenset({"hardware", "device", "memory", "extras", "free_disk_gib", "version"})
MACHINE = "<machine>"
SAMPLED = "<sampled>"
BY_TYPE = "<type>"  # not written anywhere: says "put each value's type instead"

# core/store/database.py new_id(): a prefix and ten hex digits
ID_PATTERN = re.compile(r"\b(batch|chk|cmp|doc|eval|ex|exp|gen|job|par|run|vote)_[0-9a-f]{10}\b")
TIMESTAMP_PATTERN = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")


def is_volatile(key: str) -> bool:
    return key in VOLATILE_KEYS or key.endswith(VOLATILE_SUFFIXES)


def type_marker(value: Any) -> Any:
    """A volatile leaf's type in place of its value; null stays null."""
    if value is None:
        return None
    if isinstance(value, list):
        return "<list>"
    if isinstance(value, bool):
        return "<bool>"
    if isinstance(value, int):
        return "<int>"
    if isinstance(value, float):
        return "<float>"
    return "<str>"


def mask_values(value: Any, marker: str) -> Any:
    """Replace every leaf (a list counts as one) below a masked key by `marker`, keeping dict keys."""
    if isinstance(value, dict):
        return {key: mask_values(item, marker) for key, item in value.items()}
    return type_marker(value) if marker == BY_TYPE else marker


def key_marker(key: str, sampled: frozenset[str]) -> str | None:
    """How the value under `key` is masked (MACHINE, SAMPLED or BY_TYPE); None when it is kept."""
    if key in MACHINE_KEYS:
        return MACHINE
    if key in sampled:
        return SAMPLED
    return BY_TYPE if is_volatile(key) else None


def mask_keys(value: Any, sampled: frozenset[str]) -> Any:
    """Walk the output; mask what sits under machine, sampled and volatile keys."""
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            marker = key_marker(key, sampled)
            masked[key] = mask_keys(item, sampled) if marker is None else mask_values(item, marker)
        return masked
    if isinstance(value, list):
        return [mask_keys(item, sampled) for item in value]
    return value


class TextScrubber:
    """Rewrites random ids, the workspace and repository paths and timestamps in every string."""

    def __init__(self, workspace_root: Path, repo_root: Path) -> None:
        roots = {str(workspace_root): "<WS>", str(workspace_root.resolve()): "<WS>"}
        roots |= {str(repo_root): "<REPO>", str(repo_root.resolve()): "<REPO>"}
        # longest first, so that a workspace inside the repository still reads <WS>
        self.roots = sorted(roots.items(), key=lambda pair: -len(pair[0]))
        self.ids: dict[str, str] = {}

    def scrub(self, text: str) -> str:
        for root, marker in self.roots:
            text = text.replace(root, marker)
        text = ID_PATTERN.sub(self._id_marker, text)
        return TIMESTAMP_PATTERN.sub("<timestamp>", text)

    def _id_marker(self, match: re.Match[str]) -> str:
        prefix = match.group(1)
        if match.group(0) not in self.ids:
            count = sum(1 for marker in self.ids.values() if marker.startswith(f"<{prefix}_"))
            self.ids[match.group(0)] = f"<{prefix}_{count + 1}>"
        return self.ids[match.group(0)]

    def walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {self.scrub(key): self.walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.walk(item) for item in value]
        return self.scrub(value) if isinstance(value, str) else value


def normalise_output(
    data: Any, workspace_root: Path, repo_root: Path, sampled: frozenset[str] = frozenset()
) -> Any:
    """One command's parsed `--json` output with everything run-specific masked."""
    return TextScrubber(workspace_root, repo_root).walk(mask_keys(data, sampled))


def render_golden(data: Any) -> str:
    """The golden file's text: the original key order, one space of indent, a final newline."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


def updating_golden() -> bool:
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


def golden_mismatch(name: str, text: str) -> str | None:
    """None when `text` equals the golden file of `name` (after writing it under UPDATE_GOLDEN=1)."""
    path = golden_path(name)
    if updating_golden():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return None
    if not path.is_file():
        return f"No golden file {path.name} for `{name}`: run with {UPDATE_ENV}=1 to write it."
    expected = path.read_text(encoding="utf-8")
    if expected == text:
        return None
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=f"golden/{path.name} (contract)",
        tofile=f"{name} --json (now)",
    )
    return "".join(diff)
