"""Golden-file contract of `tutor-studio ... --json`: every command's stdout keeps its exact shape.

    taskset -c 1 .venv/bin/python -m pytest tests/contracts              # compare with golden/*.json
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/contracts           # rewrite them (review the diff!)

One throwaway workspace goes through the whole pipeline in order, each command in its own
`python -m core.cli` process so that stdout is exactly what users get: ingest, generate, dataset,
train (tiny, 2 steps), jobs, chat, eval, export, doctor, and two failures. Each output is normalised
(tests/contracts/normalise.py says what is masked and why) and compared with golden/<step>.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.cli import COMMAND_MODULES
from core.web import NOTEBOOK_PREFIX_ENV, ROOT_PATH_ENV
from tests.contracts.normalise import GOLDEN_DIR, golden_mismatch, normalise_output, render_golden

REPO = Path(__file__).resolve().parents[2]
DEMO_LESSON = REPO / "assets" / "demo_course" / "fractions.md"
DEMO_CONVERSATIONS = REPO / "assets" / "demo_conversations.jsonl"
COMMAND_TIMEOUT_S = 300
# `serve` blocks until stopped and prints its JSON only then: not a command to drive here.
NOT_DRIVEN = frozenset({"serve"})
INVALID_LINES = (
    '{"messages": [{"role": "user", "content": "What is 1/2 + 1/4?"}, '
    '{"role": "assistant", "content": "What do you get when both have the same denominator?"}]}\n'
    "this line is not JSON\n"
    '{"messages": [{"role": "user", "content": "Only a student turn"}]}\n'
)


@dataclass(frozen=True)
class Ref:
    """A value from an earlier step's JSON output, such as the adapter id that `train` printed."""

    step: str
    key: str


@dataclass(frozen=True)
class Step:
    """One CLI call: its golden file name, its arguments ({ws} is the workspace) and how it ends."""

    name: str
    argv: tuple[str | Ref, ...]
    exit_code: int = 0
    prints_json: bool = True
    sampled: frozenset[str] = frozenset()  # keys whose values are an unseeded random sample


ADAPTER = Ref("train", "adapter_id")
GREEDY = ("--temperature", "0", "--seed", "0")
PREVIEW_SAMPLE = frozenset({"intent", "state", "reason", "detail", "question", "messages"})
# Every check (behaviour, kl, forgetting) and the openers, each as small as its flags allow; both test
# conversations, because the test file's order follows the (random) example ids.
EVAL_SMALLEST = ("--tasks", "ts_arithmetic", "--limit", "1", "--max-conversations", "2")
EVAL_SMALLEST += ("--max-new-tokens", "16", "--max-openers", "1")
STEPS: tuple[Step, ...] = (
    Step("ingest", ("ingest", str(DEMO_LESSON))),
    Step(
        "generate_preview",
        ("generate", "--teacher", "template", "--per-chunk", "1", "--preview"),
        sampled=PREVIEW_SAMPLE,  # --preview draws its chunks and intents without a seed
    ),
    Step("generate", ("generate", "--teacher", "template", "--per-chunk", "1")),
    Step("dataset_validate", ("dataset", "validate", str(DEMO_CONVERSATIONS))),
    Step("dataset_import", ("dataset", "import", str(DEMO_CONVERSATIONS), "--accept")),
    Step("dataset_accept", ("dataset", "accept", "--verdict", "passed")),
    Step("dataset_undo", ("dataset", "undo", Ref("dataset_accept", "batch"))),
    Step("dataset_build", ("dataset", "build")),
    Step("dataset_export", ("dataset", "export", "{ws}/out/dataset")),
    Step("dataset_list", ("dataset", "list")),
    Step("train", ("train", "--base", "tiny", "--max-steps", "2")),
    Step("jobs", ("jobs",)),
    Step("jobs_wait", ("jobs", "--wait", Ref("train", "job"))),
    Step(
        "chat", ("chat", "What is 1/2 + 1/3? Just tell me.", "--max-new-tokens", "8", *GREEDY)
    ),  # 3 variants
    Step("eval", ("eval", *EVAL_SMALLEST)),
    Step("export_vllm", ("export", ADAPTER, "--to", "vllm", "{ws}/out/vllm")),
    Step("export_openai", ("export", ADAPTER, "--to", "openai", "{ws}/out/openai")),
    # ollama merges the adapter into the base first: the merged target's work, so that one is left out.
    Step("export_ollama", ("export", ADAPTER, "--to", "ollama", "{ws}/out/ollama")),
    Step("doctor", ("doctor", "--no-hub")),
    # Failures: one that still prints its JSON report, one that prints only its reason on stderr.
    Step("dataset_validate_invalid", ("dataset", "validate", "{ws}/invalid.jsonl"), exit_code=1),
    Step("dataset_build_preferences_empty", ("dataset", "build", "--preferences"), 1, prints_json=False),
)
JSON_STEPS = [step for step in STEPS if step.prints_json]


@dataclass
class Outcome:
    """What one step did: the argv it ran (None when an input was missing) and the process result."""

    argv: list[str] | None
    process: subprocess.CompletedProcess[str] | None
    problem: str = ""

    def data(self) -> Any:
        return json.loads(self.process.stdout) if self.process and self.process.stdout else None


def cli_env(workspace: Path) -> dict[str, str]:
    """The test's offline environment, with this checkout first on the path and a CPU-only run."""
    env = {k: v for k, v in os.environ.items() if k not in (ROOT_PATH_ENV, NOTEBOOK_PREFIX_ENV)}
    env |= {"STUDIO_HOME": str(workspace), "HF_HOME": str(workspace / "hf-home"), "STUDIO_BASE_MODEL": "tiny"}
    env |= {
        "CUDA_VISIBLE_DEVICES": "",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    }
    return env


def resolve_argv(step: Step, workspace: Path, outcomes: dict[str, Outcome]) -> list[str]:
    """The step's arguments with {ws} and earlier outputs filled in; KeyError names a missing input."""
    argv = []
    for part in step.argv:
        if isinstance(part, Ref):
            data = outcomes[part.step].data() or {}
            if not isinstance(data.get(part.key), str):
                raise KeyError(f"`{part.step}` printed no {part.key!r}")
            argv.append(data[part.key])
        else:
            argv.append(part.format(ws=workspace))
    return [*argv, "--workspace", str(workspace), "--json"]


def run_step(step: Step, workspace: Path, outcomes: dict[str, Outcome]) -> Outcome:
    try:
        argv = resolve_argv(step, workspace, outcomes)
    except (KeyError, json.JSONDecodeError) as error:
        return Outcome(None, None, f"could not run `{step.name}`: {error}")
    process = subprocess.run(
        [sys.executable, "-m", "core.cli", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=cli_env(workspace),
        timeout=COMMAND_TIMEOUT_S,
    )
    return Outcome(argv, process)


@dataclass
class PipelineRun:
    """The workspace the steps ran on and each step's outcome, by step name."""

    workspace: Path
    outcomes: dict[str, Outcome]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """Every step, in pipeline order, on one fresh workspace."""
    workspace = tmp_path_factory.mktemp("contract") / "studio-home"
    workspace.mkdir()
    (workspace / "invalid.jsonl").write_text(INVALID_LINES, encoding="utf-8")
    outcomes: dict[str, Outcome] = {}
    for step in STEPS:
        outcomes[step.name] = run_step(step, workspace, outcomes)
    return PipelineRun(workspace, outcomes)


def finished(pipeline: PipelineRun, step: Step) -> subprocess.CompletedProcess[str]:
    """The step's process, having ended with the exit status the contract expects."""
    outcome = pipeline.outcomes[step.name]
    if outcome.process is None:
        pytest.fail(outcome.problem, pytrace=False)
    process = outcome.process
    if process.returncode != step.exit_code:
        pytest.fail(
            f"`tutor-studio {' '.join(outcome.argv or [])}` exited {process.returncode}, "
            f"expected {step.exit_code}.\nstderr tail:\n{process.stderr[-3000:]}",
            pytrace=False,
        )
    return process


def single_json_object(name: str, stdout: str) -> dict[str, Any]:
    """stdout holds exactly one JSON object on one line, and nothing else."""
    assert stdout.endswith("\n") and stdout.count("\n") == 1, (
        f"{name}: stdout is not one line:\n{stdout[:2000]}"
    )
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError as error:
        pytest.fail(f"{name}: stdout is not one JSON value ({error}):\n{stdout[:2000]}", pytrace=False)
    assert isinstance(data, dict), f"{name}: stdout is JSON but not an object: {stdout[:200]}"
    return data


@pytest.mark.slow
@pytest.mark.parametrize("step", JSON_STEPS, ids=[step.name for step in JSON_STEPS])
def test_json_output_matches_golden(step: Step, pipeline: PipelineRun) -> None:
    process = finished(pipeline, step)
    data = single_json_object(step.name, process.stdout)
    normalised = normalise_output(data, pipeline.workspace, REPO, sampled=step.sampled)
    text = render_golden(normalised)
    diff = golden_mismatch(step.name, text)
    if diff is not None:
        command = " ".join(["tutor-studio", *(pipeline.outcomes[step.name].argv or [])])
        pytest.fail(
            f"The --json contract of `{step.name}` changed.\nCommand: {command}\n{diff}\n"
            "If the change is intended, rerun with UPDATE_GOLDEN=1 and commit the golden file.",
            pytrace=False,
        )


@pytest.mark.slow
def test_failure_without_report_prints_nothing_on_stdout(pipeline: PipelineRun) -> None:
    for step in (s for s in STEPS if not s.prints_json):
        process = finished(pipeline, step)
        assert process.stdout == "", f"{step.name}: stdout should be empty on failure: {process.stdout!r}"
        last_line = process.stderr.strip().splitlines()[-1] if process.stderr.strip() else ""
        assert last_line.startswith("error: "), f"{step.name}: no reason on stderr: {process.stderr[-2000:]}"


def test_every_command_with_json_is_driven() -> None:
    driven = {step.argv[0] for step in STEPS}
    assert set(COMMAND_MODULES) - NOT_DRIVEN <= driven, set(COMMAND_MODULES) - NOT_DRIVEN - driven


def test_every_golden_file_belongs_to_a_step() -> None:
    names = {step.name for step in JSON_STEPS}
    stale = sorted(path.stem for path in GOLDEN_DIR.glob("*.json") if path.stem not in names)
    assert not stale, f"golden files with no step (remove them): {stale}"
