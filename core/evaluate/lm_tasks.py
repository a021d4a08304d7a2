"""The lm-evaluation-harness tasks the forgetting check can run, and their preparation for one run.

    catalogue = task_catalogue()                # the local tasks (offline) then standard ones (online)
    folder = prepare_tasks(work_dir, ["ts_arithmetic"], behaviour=rows, end_of_turn=["<|im_end|>"])
    TaskManager(include_path=str(folder), include_defaults=False)   # what core.evaluate.forgetting does

The local tasks live in assets/lm_eval_tasks/ as ordinary lm-eval YAML configs whose `data_files` point
at JSONL files in its data/ folder, relative to that folder. lm-eval (through `datasets`) reads relative
paths from the current directory, so each run gets a copy of the configs with absolute paths instead,
plus the test split as `ts_tutor_behaviour`'s data when the behaviour task is chosen. Torch-free: the UI
lists the catalogue.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LOCAL_TASKS_DIR = Path(__file__).resolve().parent.parent.parent / "assets" / "lm_eval_tasks"
BEHAVIOUR_TASK = "ts_tutor_behaviour"
SCORING_MODULE = "behaviour_scoring.py"
# Standard harness tasks worth offering online: (label, result key). Their data comes from the hub.
STANDARD_TASKS: dict[str, tuple[str, str]] = {
    "arc_easy": ("ARC-Easy: school science questions (needs internet)", "acc,none"),
    "hellaswag": ("HellaSwag: common-sense sentence endings (needs internet)", "acc_norm,none"),
    "piqa": ("PIQA: everyday physical common sense (needs internet)", "acc,none"),
    "winogrande": ("WinoGrande: who does 'it' refer to (needs internet)", "acc,none"),
}


class TaskError(ValueError):
    """A task cannot be prepared; the message names the task or file and the fix."""


class FunctionRef(str):
    """A `!function module.name` value of an lm-eval config, kept as written."""


class _TaskLoader(yaml.SafeLoader):
    pass


class _TaskDumper(yaml.SafeDumper):
    pass


_TaskLoader.add_constructor("!function", lambda loader, node: FunctionRef(loader.construct_scalar(node)))  # type: ignore[arg-type]
_TaskDumper.add_representer(
    FunctionRef, lambda dumper, value: dumper.represent_scalar("!function", str(value))
)


@dataclass(frozen=True)
class TaskInfo:
    name: str
    label: str
    metric: str  # the key of its score in lm-eval's results, e.g. "acc,none"
    local: bool
    items: int | None = None  # how many items the local data holds

    @property
    def general(self) -> bool:
        """A general-ability task (the forgetting threshold applies); the behaviour task is not one."""
        return self.name != BEHAVIOUR_TASK


def read_config(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TaskLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise TaskError(f"{path}: not a readable lm-eval task config ({exc}).") from exc
    if not isinstance(data, dict) or not isinstance(data.get("task"), str):
        raise TaskError(f"{path}: an lm-eval task config needs a `task:` name.")
    return data


def result_key(config: dict[str, Any]) -> str:
    """lm-eval reports a metric as "<metric>,<filter>"; the first metric and filter are the score."""
    metrics = config.get("metric_list") or [{"metric": "acc"}]
    filters = config.get("filter_list") or [{"name": "none"}]
    return f"{metrics[0]['metric']},{filters[0]['name']}"


@functools.lru_cache(maxsize=4)
def local_tasks(folder: Path = LOCAL_TASKS_DIR) -> list[TaskInfo]:
    """The shipped offline tasks, in file-name order (the behaviour task last); read once per process."""
    found = []
    for path in sorted(folder.glob("*.yaml")):
        config = read_config(path)
        files = data_files(config)
        items = sum(_count_lines(folder / f) for f in files.values() if (folder / f).is_file()) or None
        label = str((config.get("metadata") or {}).get("label") or config["task"])
        found.append(TaskInfo(config["task"], label, result_key(config), True, items))
    return sorted(found, key=lambda t: (t.name == BEHAVIOUR_TASK, t.name))


def task_catalogue() -> list[TaskInfo]:
    standard = [TaskInfo(name, label, key, False) for name, (label, key) in STANDARD_TASKS.items()]
    return [*local_tasks(), *standard]


def default_task_names() -> list[str]:
    """The offline general tasks: what the forgetting check runs unless told otherwise."""
    return [t.name for t in local_tasks() if t.general]


def find_tasks(names: Sequence[str]) -> list[TaskInfo]:
    catalogue = {t.name: t for t in task_catalogue()}
    unknown = [n for n in names if n not in catalogue]
    if unknown:
        raise TaskError(f"Unknown forgetting task {unknown[0]!r}; choose from {', '.join(catalogue)}.")
    return [catalogue[n] for n in dict.fromkeys(names)]


def data_files(config: dict[str, Any]) -> dict[str, str]:
    files = ((config.get("dataset_kwargs") or {}).get("data_files")) or {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def prepare_tasks(
    dest: Path,
    names: Sequence[str],
    *,
    behaviour: Sequence[dict[str, Any]] | None = None,
    end_of_turn: Sequence[str] = (),
    source: Path = LOCAL_TASKS_DIR,
) -> Path:
    """Copy the chosen local task configs into `dest` with absolute data paths; returns `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.yaml")):
        config = read_config(path)
        if config["task"] not in names:
            continue
        if config["task"] == BEHAVIOUR_TASK:
            config = behaviour_config(config, dest, behaviour or [], end_of_turn)
            shutil.copy2(source / SCORING_MODULE, dest / SCORING_MODULE)
        else:
            files = {split: str((source / file).resolve()) for split, file in data_files(config).items()}
            config["dataset_kwargs"] = {**(config.get("dataset_kwargs") or {}), "data_files": files}
        text = yaml.dump(config, Dumper=_TaskDumper, sort_keys=False, allow_unicode=True)
        (dest / path.name).write_text(text, encoding="utf-8")
    return dest


def behaviour_config(
    config: dict[str, Any], dest: Path, rows: Sequence[dict[str, Any]], end_of_turn: Sequence[str]
) -> dict[str, Any]:
    if not rows:
        raise TaskError(
            "The behaviour task needs tutor turns before the student reached the answer, with a reference "
            "answer; this test split has none. Leave the behaviour task out, or add reference answers in Review."
        )
    data = dest / "tutor_behaviour.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    config["dataset_kwargs"] = {"data_files": {"test": str(data)}}
    generation = dict(config.get("generation_kwargs") or {})
    generation["until"] = list(dict.fromkeys([*end_of_turn, *generation.get("until", [])]))
    config["generation_kwargs"] = generation
    return config


def behaviour_rows(turns: Sequence[Any], render: Any) -> list[dict[str, Any]]:
    """ts_tutor_behaviour rows from test turns (core.evaluate.testset.TestTurn) where both metrics apply.

    `render(history) -> str` renders the conversation with the model's chat template and generation prompt.
    """
    rows = []
    for turn in turns:
        context = turn.context
        if context.key is None or context.student_reached:
            continue
        rows.append(
            {
                "prompt": render(turn.history),
                "reference": turn.reference,
                "history": [dict(m) for m in turn.history],
                "reference_answer": context.key.reference,
                "question": context.key.question,
                "intent": context.intent,
            }
        )
    return rows


def _count_lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
