"""`tutor-studio dataset ...` prints the documented JSON and exits non-zero on failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main
from core.paths import Workspace
from core.review.importing import DEMO_PATH
from core.review.stats import review_stats
from core.store import Store
from tests.core.review.conftest import add_examples, chat


@pytest.fixture(autouse=True)
def tiny_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_BASE_MODEL", "tiny")


def run(capsys: pytest.CaptureFixture[str], workspace: Workspace, *argv: str) -> tuple[int, dict, str]:
    code = main(["dataset", *argv, "--workspace", str(workspace.root), "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}, err


def test_validate_prints_counts_and_errors_and_fails_on_an_invalid_line(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        json.dumps({"messages": chat("Hi?", "Topic?")}) + "\n" + '{"messages": [{"role": "bot"}]}\n'
    )
    code, data, _ = run(capsys, workspace, "validate", str(path))
    assert code == 1 and (data["valid"], data["invalid"]) == (1, 1)
    assert data["errors"] == [{"line": 2, "category": "role", "message": data["errors"][0]["message"]}]
    path.write_text(json.dumps({"messages": chat("Hi?", "Topic?")}) + "\n")
    assert run(capsys, workspace, "validate", str(path))[:2] == (0, {"valid": 1, "invalid": 0, "errors": []})


def test_export_without_accepted_examples_fails_with_the_fix(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, tmp_path: Path
) -> None:
    code, data, err = run(capsys, workspace, "export", str(tmp_path / "out"))
    assert code == 1 and data == {} and "No accepted examples yet" in err and "--accept" in err


def test_import_demo_then_export_gives_the_documented_shapes(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, tmp_path: Path
) -> None:
    code, imported, _ = run(capsys, workspace, "import", str(DEMO_PATH), "--accept")
    assert code == 0 and imported["imported"] >= 30 and imported["errors"] == []
    code, exported, _ = run(capsys, workspace, "export", str(tmp_path / "out"), "--seed", "5")
    assert code == 0 and set(exported) == {"dataset", "path", "train", "validation", "test"}
    assert (
        exported["dataset"] == "tutor@v1"
        and exported["train"] + exported["validation"] + exported["test"] == imported["imported"]
    )
    assert (tmp_path / "out" / "train.jsonl").is_file()
    code, again, _ = run(capsys, workspace, "export", str(tmp_path / "again"), "--dataset", "tutor@v1")
    assert code == 0 and again["dataset"] == "tutor@v1"
    assert (tmp_path / "again" / "train.jsonl").read_bytes() == (
        tmp_path / "out" / "train.jsonl"
    ).read_bytes()
    code, listed, _ = run(capsys, workspace, "list")
    assert [d["id"] for d in listed["datasets"]] == ["tutor@v1"]


def test_import_of_an_invalid_file_imports_nothing_and_exits_non_zero(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"messages": chat("Hi?", "Topic?")}) + "\nnot json\n")
    code, data, _ = run(capsys, workspace, "import", str(path))
    assert code == 1 and data["imported"] == 0 and data["errors"][0]["line"] == 2
    code, data, _ = run(capsys, workspace, "import", str(path), "--skip-invalid")
    assert code == 0 and data["imported"] == 1


def test_accept_then_undo_from_the_command_line(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, store: Store
) -> None:
    add_examples(store, 3, intent="confused")
    add_examples(store, 2, intent="frustrated")

    code, accepted, err = run(capsys, workspace, "accept", "--intent", "confused")
    assert code == 0, err
    assert (accepted["changed"], accepted["not_ready"]) == (3, 0) and accepted["batch"]
    assert review_stats(store).by_status.get("accepted") == 3
    code, undone, _ = run(capsys, workspace, "undo", accepted["batch"])
    assert code == 0 and (undone["restored"], undone["kept"]) == (3, 0) and undone["batch"]
    assert review_stats(store).by_status.get("accepted", 0) == 0
    assert run(capsys, workspace, "undo", "batch_missing")[0] == 1


def test_an_empty_file_fails_validate_and_import_and_says_what_a_line_looks_like(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    code, data, _ = run(capsys, workspace, "validate", str(path))
    assert code == 1 and (data["valid"], data["invalid"], data["empty"]) == (0, 0, True)
    main(["dataset", "validate", str(path), "--workspace", str(workspace.root)])
    assert "holds no conversations" in capsys.readouterr().out
    code, data, _ = run(capsys, workspace, "import", str(path))
    assert code == 1 and data["imported"] == 0


def test_import_without_skip_invalid_names_the_flag_not_the_checkbox(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"messages": chat("Hi?", "Topic?")}) + "\n" + '{"messages": []}\n')
    code = main(["dataset", "import", str(path), "--workspace", str(workspace.root)])
    out = capsys.readouterr().out
    assert code == 1 and "--skip-invalid" in out and "tick" not in out
