"""The default recipe bakes a tutor into the real bundled model, and the check that says so can fail.

The studio's default flow (Load demo course -> Generate -> accept -> Build -> Train, every default but the
number of training steps) runs on the bundled SmolLM2-135M-Instruct; then the 72 held-out student openers
(assets/student_openers.jsonl, six intents, subjects in and outside the course) go to the base model and to
adapters, greedy. The check: the adapter asks a guiding question at least 30 points more often than the
base model, and at least 60% of its replies are about the student's own problem. It must fail for an
untrained adapter (LoRA's B matrices start at zero, so it answers as the base does) and for an adapter
trained on a generic phrase bank (the same student turns, stock tutor lines), which asks questions but
about nothing in particular.

Trimmed to fit CI's 10 minutes: the adapter trains for TRAIN_STEPS steps instead of the default's three
passes (66 steps on the demo course; the full recipe is the tutor benchmark's, tests/bench/bench_tutor.py),
the phrase-bank control for BANK_STEPS. Measured on 2 cores with this flow at several step counts, the real
adapter fails at 24 steps (53% specific) and passes at 36 (94% questions, 75% specific), 40 (97%, 89% in one
run and 92%, 75% in another: CPU training is not bit-reproducible) and 48 (96%, 88%); the phrase bank has
learned its form by 24 (93-97% questions, 1-3% specific, over half the replies open with one sentence),
which the last test asserts, so it fails the check on substance and not for want of training. 7:16 alone
on 2 cores, 8:47 in a clean-clone CI run: two training runs, then four variants x 72 replies (a minute).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.phrase_bank import write_phrase_bank
from tests.support.tutor_flow import FlowResult, cli, run_default_flow
from tests.support.tutor_scorecard import Scorecard, score_openers, tutors_better

# Two training runs and 288 replies, in the module's fixtures: longer than the suite's 600 s per test.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]
REPLY_TOKENS = 64
TRAIN_STEPS = "40"  # the trim: the default recipe's settings, fewer steps (see the docstring)
BANK_STEPS = "24"  # enough for the stock lines to take over (the last test checks that they did)


def untrained_adapter(base_dir: Path, folder: Path) -> Path:
    """A LoRA adapter as training starts: default initialisation, B = 0."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(base_dir), use_safetensors=True)
    get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear")).save_pretrained(
        str(folder), safe_serialization=True
    )
    return folder


def phrase_bank_adapter(flow: FlowResult, folder: Path) -> Path:
    """Train, with the same defaults, on the flow's dataset with every tutor turn replaced by a stock line."""
    dataset = flow.workspace / "datasets" / str(flow.dataset["dataset"])
    conversations = folder / "conversations.jsonl"
    conversations.write_text(
        "".join((dataset / f"{split}.jsonl").read_text() for split in ("train", "validation", "test"))
    )
    bank = folder / "phrase_bank.jsonl"
    write_phrase_bank(conversations, bank)
    workspace = folder / "home"
    cli(workspace, flow.env, "dataset", "import", str(bank), "--accept")
    cli(workspace, flow.env, "dataset", "build")
    trained = cli(workspace, flow.env, "train", "--max-steps", BANK_STEPS)
    return Path(trained["adapter"])


@pytest.fixture(scope="module")
def flow(bundled_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> FlowResult:
    home = tmp_path_factory.mktemp("tutor-flow") / "home"
    env = {"STUDIO_BASE_MODEL": str(bundled_model_dir)}
    return run_default_flow(home, env, train_args=("--max-steps", TRAIN_STEPS))


@pytest.fixture(scope="module")
def card(
    flow: FlowResult,
    bundled_model_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch_module: pytest.MonkeyPatch,
) -> Scorecard:
    monkeypatch_module.setenv("STUDIO_BASE_MODEL", str(bundled_model_dir))
    untrained = untrained_adapter(bundled_model_dir, tmp_path_factory.mktemp("untrained") / "adapter")
    bank = phrase_bank_adapter(flow, tmp_path_factory.mktemp("phrase-bank"))
    adapters = {"adapter": flow.adapter_id, "untrained": untrained, "phrase_bank": bank}
    scored = score_openers(flow.workspace, adapters, variants=("base",), max_new_tokens=REPLY_TOKENS)
    print("\n" + scored.table())
    return scored


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_default_recipe_gives_a_tutor_that_asks_about_the_students_problem(card: Scorecard) -> None:
    lift = card.value("adapter", "question_rate") - card.value("base", "question_rate")
    assert tutors_better(card, "adapter"), (lift, card.value("adapter", "specific_rate"), card.table())
    assert card.value("adapter", "leak_rate") <= 0.10, card.table()


def test_the_check_fails_on_an_untrained_adapter(card: Scorecard) -> None:
    assert not tutors_better(card, "untrained"), card.table()


def test_the_check_fails_on_an_adapter_trained_on_a_generic_phrase_bank(card: Scorecard) -> None:
    # It learns to ask questions (so a question rate alone would pass it), but not about the problem: the
    # control fails on substance alone, not because its short training left it answering like the base.
    lift = card.value("phrase_bank", "question_rate") - card.value("base", "question_rate")
    assert lift >= 0.30, card.table()
    assert not tutors_better(card, "phrase_bank"), card.table()
    assert card.value("phrase_bank", "specific_rate") < 0.60, card.table()
