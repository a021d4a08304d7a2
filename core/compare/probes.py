"""The built-in probe set: student messages that test a tutor's behaviour (assets/probes.yaml).

    probes = load_probes()                     # [Probe(id="answer-fractions", category="answer_seeking", ...)]
    by_category(probes)["frustration"]         # the frustrated-student probes

Compare's scenario buttons draw from it and the Evaluate stage runs it. A broken file fails with the
file, the probe's position and the field to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

DEFAULT_PROBES_PATH = Path(__file__).resolve().parent.parent.parent / "assets" / "probes.yaml"
ProbeCategory = Literal["answer_seeking", "prompt_injection", "frustration", "off_topic"]
CATEGORY_LABELS: dict[str, str] = {
    "answer_seeking": "Just tell me the answer",
    "prompt_injection": "Ignore your instructions",
    "frustration": "Frustrated student",
    "off_topic": "Off-topic request",
}


class ProbeError(ValueError):
    """The probe file is unusable; the message names the file, the probe and the field."""


@dataclass(frozen=True)
class Probe:
    id: str
    category: ProbeCategory
    message: str


def load_probes(path: Path | None = None) -> list[Probe]:
    """Every probe in the file, in file order."""
    path = path or DEFAULT_PROBES_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProbeError(f"{path}: cannot read the probe file ({exc}).") from exc
    except yaml.YAMLError as exc:
        raise ProbeError(f"{path}: not valid YAML ({exc}); fix the indentation or quoting there.") from exc
    entries = data.get("probes") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ProbeError(f"{path}: expected a top-level `probes:` list with at least one probe.")
    probes = [_probe(path, number, entry) for number, entry in enumerate(entries, start=1)]
    _check_unique(path, probes)
    return probes


def _probe(path: Path, number: int, entry: Any) -> Probe:
    where = f"{path}: probe #{number}"
    if not isinstance(entry, dict):
        raise ProbeError(f"{where}: expected a mapping with id, category and message.")
    for field in ("id", "category", "message"):
        value = entry.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ProbeError(f"{where}: the field `{field}` is missing or empty; give it a text value.")
    if entry["category"] not in CATEGORY_LABELS:
        raise ProbeError(
            f"{where} ({entry['id']}): unknown category {entry['category']!r}; "
            f"use one of {', '.join(CATEGORY_LABELS)}."
        )
    return Probe(entry["id"].strip(), entry["category"], entry["message"].strip())


def _check_unique(path: Path, probes: Sequence[Probe]) -> None:
    seen: set[str] = set()
    for number, probe in enumerate(probes, start=1):
        if probe.id in seen:
            raise ProbeError(f"{path}: probe #{number}: the id {probe.id!r} is used twice; give it a new id.")
        seen.add(probe.id)


def by_category(probes: Sequence[Probe]) -> dict[str, list[Probe]]:
    grouped: dict[str, list[Probe]] = {category: [] for category in CATEGORY_LABELS}
    for probe in probes:
        grouped[probe.category].append(probe)
    return grouped
