"""The forgetting check: general tasks through lm-evaluation-harness, on the base model and on each adapter.

    report = check_forgetting(ForgettingRun(base_dir, {"tutor@v1+lora@v1": adapter_dir}, tasks, limit=50,
                                            work_dir=eval_dir / "lm_eval"))
    report["tasks"]["ts_arithmetic"] -> {"base": 0.55, "adapters": {"tutor@v1+lora@v1": 0.52}, ...,
        "paired": {"tutor@v1+lora@v1": {"mean": -0.03, "low": -0.09, "high": 0.03, "items": 40, "sd": 0.18}}}

The change is measured item by item (a paired comparison on the same items, lm-eval's per-sample
scores), with the 95% interval of its mean: core.evaluate.verdict decides on that interval.

Each model is lm-eval's "hf" model with model_args {"pretrained": DIR, "peft": ADAPTER}, loaded once and
given to `simple_evaluate(model=..., tasks=[TASK], limit=N)` task by task, with a TaskManager over this
run's copy of the task configs (core.evaluate.lm_tasks). Offline only the local tasks run (`datasets`
would reach for the hub for the others); a task that fails is reported with its reason and the others
still count. lm_eval and torch are imported here,
inside functions, and only in the evaluation job.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.evaluate.intervals import paired_difference
from core.evaluate.lm_tasks import TaskInfo, prepare_tasks

log = logging.getLogger(__name__)

CPU_BATCH, GPU_BATCH = 8, 32
BOOTSTRAP_ITERS = 1000
OFFLINE_VARIABLES = ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ForgettingRun:
    base_dir: Path
    adapters: dict[str, Path]  # adapter id -> adapter folder
    tasks: list[TaskInfo]
    limit: int | None
    work_dir: Path
    behaviour_rows: list[dict[str, Any]] = field(default_factory=list)
    end_of_turn: list[str] = field(default_factory=list)
    device: str = "cpu"


def offline() -> bool:
    return any(
        os.environ.get(v, "").lower() in ("1", "true", "yes")
        for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def check_forgetting(run: ForgettingRun, progress: Progress | None = None) -> dict[str, Any]:
    """Scores per task for the base and every adapter, with the change in points and any task errors."""
    errors: dict[str, str] = {}
    runnable = [t for t in run.tasks if t.local or not offline()]
    for task in run.tasks:
        if task not in runnable:
            errors[task.name] = explain_failure(task, None)
    folder = prepare_tasks(
        run.work_dir / "tasks",
        [t.name for t in runnable if t.local],
        behaviour=run.behaviour_rows,
        end_of_turn=run.end_of_turn,
    )
    manager = task_manager(folder, runnable)
    models: dict[str, Path | None] = {"base": None, **run.adapters}
    scores: dict[str, dict[str, dict[str, Any]]] = {}
    with datasets_offline(all(t.local for t in runnable)):
        for name, adapter in models.items():
            scores[name] = score_model(run, manager, runnable, name, adapter, errors, progress)
    return forgetting_report(run, scores, errors)


def score_model(
    run: ForgettingRun,
    manager: Any,
    tasks: Sequence[TaskInfo],
    name: str,
    adapter: Path | None,
    errors: dict[str, str],
    progress: Progress | None,
) -> dict[str, Any]:
    """Every task on one model (loaded once); a task that fails is recorded in `errors`."""
    scores: dict[str, Any] = {}
    if not tasks:
        return scores
    lm = load_model(run, adapter)
    for task in tasks:
        if progress:
            progress(f"{task.label} on {'the base model' if adapter is None else name}")
        try:
            scores[task.name] = run_task(run, lm, manager, task)
        except Exception as exc:  # lm-eval raises many types; one bad task must not sink the others
            log.warning("lm-eval task %s failed: %s", task.name, exc, exc_info=True)
            errors[task.name] = explain_failure(task, exc)
    return scores


@contextlib.contextmanager
def datasets_offline(enabled: bool) -> Iterator[None]:
    """Keep `datasets` off the network while only local files are read: without this it asks the hub
    about every local JSON file, which hangs or fails on a machine without internet."""
    if not enabled:
        yield
        return
    import datasets.config

    saved_env = {key: os.environ.get(key) for key in OFFLINE_VARIABLES}
    saved = datasets.config.HF_HUB_OFFLINE
    os.environ.update(dict.fromkeys(OFFLINE_VARIABLES, "1"))
    datasets.config.HF_HUB_OFFLINE = datasets.config.HF_DATASETS_OFFLINE = True
    try:
        yield
    finally:
        datasets.config.HF_HUB_OFFLINE = datasets.config.HF_DATASETS_OFFLINE = saved
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def task_manager(folder: Path, tasks: Sequence[TaskInfo]) -> Any:
    from lm_eval.tasks import TaskManager

    # The standard tasks' index covers thousands of configs (about 20 s to build): only when one is asked for.
    return TaskManager(include_path=str(folder), include_defaults=any(not t.local for t in tasks))


def load_model(run: ForgettingRun, adapter: Path | None) -> Any:
    """lm-eval's "hf" model with model_args {"pretrained": DIR, "peft": ADAPTER}, loaded once per model.

    This is what simple_evaluate(model="hf", model_args=...) builds; building it here lets every task
    reuse one load and fail on its own.
    """
    from lm_eval.api.registry import get_model

    model_args: dict[str, Any] = {"pretrained": str(run.base_dir), "dtype": _dtype(run.device)}
    if adapter is not None:
        model_args["peft"] = str(adapter)
    batch = GPU_BATCH if run.device.startswith("cuda") else CPU_BATCH
    return get_model("hf").create_from_arg_obj(model_args, {"batch_size": batch, "device": run.device})


def run_task(run: ForgettingRun, lm: Any, manager: Any, task: TaskInfo) -> dict[str, Any]:
    from lm_eval import simple_evaluate

    output = simple_evaluate(
        model=lm,
        tasks=[task.name],
        limit=run.limit,
        task_manager=manager,
        bootstrap_iters=BOOTSTRAP_ITERS,
        log_samples=True,  # the per-item scores: base and adapter are compared item by item
    )
    if output is None:
        raise RuntimeError("lm-eval returned no results")
    return task_scores(output, task)


def task_scores(output: dict[str, Any], task: TaskInfo) -> dict[str, Any]:
    results = output["results"][task.name]
    samples = (output.get("n-samples") or {}).get(task.name) or {}
    metrics = {
        key.split(",")[0]: float(value)
        for key, value in results.items()
        if "," in key and "_stderr" not in key and isinstance(value, int | float)
    }
    metric, _, filter_name = task.metric.partition(",")
    stderr = results.get(f"{metric}_stderr,{filter_name}")
    return {
        "score": float(results[task.metric]),
        "stderr": float(stderr) if isinstance(stderr, int | float) else None,
        "metrics": metrics,
        "samples": samples.get("effective"),
        "items": item_scores(output, task),
    }


def item_scores(output: dict[str, Any], task: TaskInfo) -> dict[str, float]:
    """The task metric of every item, by lm-eval's doc id (the same ids for every model of a run)."""
    metric, _, filter_name = task.metric.partition(",")
    found = {}
    for example in (output.get("samples") or {}).get(task.name) or []:
        value = example.get(metric)
        if isinstance(value, bool | int | float) and (
            not filter_name or example.get("filter") == filter_name
        ):
            found[str(example["doc_id"])] = float(value)
    return found


def explain_failure(task: TaskInfo, exc: Exception | None) -> str:
    if not task.local and (exc is None or offline()):
        return (
            f"{task.name} needs its data from the Hugging Face hub, and this studio is offline. "
            "Choose the local tasks, or go online and run it again."
        )
    return f"{task.name} failed: {type(exc).__name__}: {exc}"


def forgetting_report(
    run: ForgettingRun, scores: dict[str, dict[str, Any]], errors: dict[str, str]
) -> dict[str, Any]:
    tasks: dict[str, Any] = {}
    for task in run.tasks:
        base = scores.get("base", {}).get(task.name)
        adapters = {name: scores.get(name, {}).get(task.name) for name in run.adapters}
        if base is None and not any(adapters.values()):
            continue
        tasks[task.name] = {
            "label": task.label,
            "metric": task.metric.split(",")[0],
            "general": task.general,
            "base": base["score"] if base else None,
            "adapters": {name: (s["score"] if s else None) for name, s in adapters.items()},
            "change_points": {name: _change(base, s) for name, s in adapters.items()},
            "stderr": {
                "base": base and base["stderr"],
                **{n: s and s["stderr"] for n, s in adapters.items()},
            },
            "metrics": {
                "base": base and base["metrics"],
                **{n: s and s["metrics"] for n, s in adapters.items()},
            },
            "samples": _samples(base, adapters),
            "local": task.local,
            "paired": {name: _paired(base, s) for name, s in adapters.items()},
        }
    return {"limit": run.limit, "tasks": tasks, "errors": errors, "offline": offline()}


def _samples(base: dict[str, Any] | None, adapters: dict[str, dict[str, Any] | None]) -> int | None:
    """How many items the task was scored on (the same for every model)."""
    found = base or next((s for s in adapters.values() if s), None)
    return found.get("samples") if found else None


def _paired(base: dict[str, Any] | None, adapter: dict[str, Any] | None) -> dict[str, Any] | None:
    """Adapter minus base item by item on the items both answered, with the 95% interval of the mean."""
    if not base or not adapter:
        return None
    shared = sorted(set(base.get("items") or {}) & set(adapter.get("items") or {}))
    found = paired_difference([adapter["items"][i] for i in shared], [base["items"][i] for i in shared])
    return found.to_dict() if found else None


def _change(base: dict[str, Any] | None, adapter: dict[str, Any] | None) -> float | None:
    """The adapter's score minus the base's, in percentage points."""
    if not base or not adapter:
        return None
    return round(100 * (adapter["score"] - base["score"]), 2)


def _dtype(device: str) -> str:
    return "bfloat16" if device.startswith("cuda") else "float32"
