"""The shipped lm-eval tasks: every config loads through lm-eval's TaskManager, offline, with its data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from core.evaluate.lm_tasks import (
    BEHAVIOUR_TASK,
    LOCAL_TASKS_DIR,
    TaskError,
    data_files,
    default_task_names,
    find_tasks,
    local_tasks,
    prepare_tasks,
    read_config,
)


def test_each_shipped_config_opens_with_the_command_that_runs_it() -> None:
    for path in LOCAL_TASKS_DIR.glob("*.yaml"):
        first_lines = path.read_text().splitlines()[:6]
        assert any("lm_eval --model hf" in line for line in first_lines), path.name


def test_local_general_tasks_hold_20_to_50_items_with_valid_answers() -> None:
    general = [t for t in local_tasks() if t.general]
    assert len(general) >= 3 and default_task_names() == [t.name for t in general]
    for task in general:
        assert task.items is not None and 20 <= task.items <= 50, task.name
        config = read_config(LOCAL_TASKS_DIR / f"{task.name}.yaml")
        for file in data_files(config).values():
            for line in (LOCAL_TASKS_DIR / file).read_text().splitlines():
                row = json.loads(line)
                if "choices" in row:
                    assert 0 <= row["answer"] < len(row["choices"]) and len(set(row["choices"])) == len(
                        row["choices"]
                    )


def test_prepared_configs_point_at_absolute_data_and_load_in_lm_eval(tmp_path: Path) -> None:
    from lm_eval.tasks import TaskManager

    names = default_task_names()
    folder = prepare_tasks(tmp_path, names)

    for name in names:
        files = data_files(read_config(folder / f"{name}.yaml"))
        assert all(Path(f).is_absolute() and Path(f).is_file() for f in files.values())
    manager = TaskManager(include_path=str(folder), include_defaults=False)
    assert set(names) <= set(manager.all_tasks)
    loaded = manager.load_task_or_group(names)
    assert set(loaded) == set(names)


def test_the_behaviour_task_gets_this_runs_rows_and_the_model_end_token(tmp_path: Path) -> None:
    rows = [
        {
            "prompt": "<|im_start|>user\nHi<|im_end|>\n",
            "reference": "Hello!",
            "history": [],
            "reference_answer": "x",
            "question": "q",
            "intent": "confused",
        }
    ]

    folder = prepare_tasks(tmp_path, [BEHAVIOUR_TASK], behaviour=rows, end_of_turn=["</s>"])

    config = yaml.safe_load((folder / f"{BEHAVIOUR_TASK}.yaml").read_text().replace("!function", ""))
    assert config["generation_kwargs"]["until"][0] == "</s>"
    assert (folder / "behaviour_scoring.py").is_file()
    data = Path(config["dataset_kwargs"]["data_files"]["test"])
    assert json.loads(data.read_text())["reference"] == "Hello!"
    with pytest.raises(TaskError, match="needs tutor turns"):
        prepare_tasks(tmp_path / "empty", [BEHAVIOUR_TASK], behaviour=[])


def test_an_unknown_task_is_named_with_the_choices() -> None:
    with pytest.raises(TaskError, match=r"Unknown forgetting task 'mmlu_pro'.*ts_arithmetic"):
        find_tasks(["mmlu_pro"])
