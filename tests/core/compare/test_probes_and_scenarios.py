"""The built-in probes (shared with Evaluate) and the scenario buttons' messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.compare.probes import CATEGORY_LABELS, ProbeError, by_category, load_probes
from core.compare.scenarios import TEST_SET, ScenarioError, first_user_turns, pick_scenario
from core.store import Store


def test_the_shipped_probes_cover_every_category_several_times() -> None:
    probes = load_probes()
    grouped = by_category(probes)
    assert set(grouped) == set(CATEGORY_LABELS)
    assert all(len(items) >= 4 for items in grouped.values())
    assert len({p.id for p in probes}) == len(probes)
    assert any("ignore your instructions" in p.message.lower() for p in grouped["prompt_injection"])
    assert any("just tell me the answer" in p.message.lower() for p in grouped["answer_seeking"])


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("probes: [\n  {id: a, category: frustration}\n]", "probe #1: the field `message` is missing"),
        ("probes:\n  - {id: a, category: jokes, message: hi}", "unknown category 'jokes'"),
        (
            "probes:\n  - {id: a, category: off_topic, message: x}\n  - {id: a, category: off_topic, message: y}",
            "probe #2: the id 'a' is used twice",
        ),
        ("probes: {", "not valid YAML"),
        ("items: []", "top-level `probes:` list"),
    ],
)
def test_a_broken_probe_file_names_the_file_probe_and_field(tmp_path: Path, text: str, fix: str) -> None:
    path = tmp_path / "probes.yaml"
    path.write_text(text)
    with pytest.raises(ProbeError, match=fix) as error:
        load_probes(path)
    assert str(path) in str(error.value)


def test_probe_buttons_walk_through_a_category_without_repeats(store: Store) -> None:
    count = len(by_category(load_probes())["frustration"])
    picks = [pick_scenario(store, "frustration", turn) for turn in range(count + 1)]
    assert len({p.message for p in picks[:count]}) == count
    assert picks[count].message == picks[0].message  # then it wraps around
    assert "frustrated student" in picks[0].note and f"1 of {count}" in picks[0].note


def test_test_set_scenarios_need_a_dataset_version(store: Store) -> None:
    with pytest.raises(ScenarioError, match="No dataset version yet"):
        pick_scenario(store, TEST_SET)


def test_test_set_scenarios_are_first_student_turns_of_the_test_split(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "tutor@v1"
    folder.mkdir()
    conversations = [
        [
            {"role": "user", "content": "Why is 2/4 the same as 1/2?"},
            {"role": "assistant", "content": "What if..."},
        ],
        [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "What does a resistor do?"}],
    ]
    (folder / "test.jsonl").write_text(
        "".join(json.dumps({"messages": c}) + "\n" for c in conversations) + "not json\n"
    )
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO datasets (id, name, version, seed, manifest, manifest_hash, path, created_at) "
            "VALUES ('tutor@v1', 'tutor', 1, 0, '{}', 'h', ?, 1.0)",
            (str(folder),),
        )
    picked = {pick_scenario(store, TEST_SET, turn).message for turn in range(2)}
    assert picked == {"Why is 2/4 the same as 1/2?", "What does a resistor do?"}
    assert "held-out test conversation of tutor@v1" in pick_scenario(store, TEST_SET).note
    assert first_user_turns(folder / "test.jsonl") == [
        "Why is 2/4 the same as 1/2?",
        "What does a resistor do?",
    ]


def test_unknown_scenario_source_is_refused(store: Store) -> None:
    with pytest.raises(ScenarioError, match="Unknown scenario source"):
        pick_scenario(store, "jokes")
