"""The model card of an adapter: card.json (data) and model_card.md (for people), in the run folder.

    card = build_card(CardFacts(...))              # after training
    write_card(run_dir, card, adapter_dir)         # card.json + model_card.md (+ adapter/README.md)
    update_card_evaluation(store, adapter_id, report)   # the Evaluate stage fills its section in later

The card records what is needed to trust and reproduce the adapter: the base model and revision, the
dataset version and its manifest hash, every hyperparameter, the losses, hardware and time, the exact
chat template it was trained with (hash and text: inference must use the same one), and its limits.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.paths import write_atomic
from core.store import Store

CARD_JSON = "card.json"
CARD_MD = "model_card.md"
OVERFIT_RATIO = 1.3


class CardError(LookupError):
    """The adapter or its card cannot be found; the message says which."""


@dataclass(frozen=True)
class CardFacts:
    adapter_id: str
    run_id: str
    base: dict[str, Any]
    dataset: dict[str, Any]
    hyperparameters: dict[str, Any]
    training: dict[str, Any]
    hardware: dict[str, Any]
    chat_template: dict[str, Any]
    adapter_path: str
    size_bytes: int
    started_at: float
    finished_at: float


def build_card(facts: CardFacts) -> dict[str, Any]:
    return {
        "adapter_id": facts.adapter_id,
        "run_id": facts.run_id,
        "base": facts.base,
        "dataset": facts.dataset,
        "hyperparameters": facts.hyperparameters,
        "training": facts.training,
        "hardware": facts.hardware,
        "time": {
            "started_at": facts.started_at,
            "finished_at": facts.finished_at,
            "wall_seconds": round(facts.finished_at - facts.started_at, 1),
        },
        "chat_template": facts.chat_template,
        "known_limits": known_limits(facts),
        "adapter": {"path": facts.adapter_path, "size_bytes": facts.size_bytes},
        "usage": usage(facts),
        "evaluation": None,
    }


def known_limits(facts: CardFacts) -> list[str]:
    training, dataset = facts.training, facts.dataset
    counts = dataset.get("counts") or {}
    limits = [
        f"Learned from {counts.get('train', '?')} tutoring conversations ({dataset.get('id')}): it imitates their "
        "style and course content; it does not know more facts than its base model.",
        f"Conversations longer than {facts.hyperparameters.get('max_seq_length')} tokens were cut while training.",
        "Trained without the long tutor system prompt: use it without one (the behaviour is built in).",
        f"Use it with the chat template recorded in this card (sha256 {str(facts.chat_template.get('sha256'))[:12]}…); "
        "another template changes what it sees.",
    ]
    final, evaluated = training.get("final_loss"), training.get("eval_loss")
    if not counts.get("validation"):
        limits.append("The dataset had no validation split, so overfitting was not measured.")
    elif final and evaluated and evaluated > final * OVERFIT_RATIO:
        limits.append(
            f"Validation loss ({evaluated:.3f}) is well above training loss ({final:.3f}): it may have memorised "
            "the training conversations. More data or fewer epochs would help."
        )
    if (training.get("steps") or 0) < 50:
        limits.append(f"A short run ({training.get('steps')} steps): the tutor behaviour may be weak.")
    return limits


def usage(facts: CardFacts) -> dict[str, str]:
    base = facts.base.get("name", "")
    return {
        "peft": f'PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained("{base}"), "{facts.adapter_path}")',
        "vllm": f"vllm serve {base} --enable-lora --lora-modules {facts.adapter_id}={facts.adapter_path}",
        "studio": f"tutor-studio chat 'Hello' --adapter {facts.adapter_id}",
    }


def write_card(run_dir: Path, card: dict[str, Any], adapter_dir: Path | None = None) -> Path:
    """Write card.json and model_card.md (and the adapter folder's README.md); returns model_card.md."""
    write_atomic(run_dir / CARD_JSON, json.dumps(card, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    markdown = render_card(card)
    write_atomic(run_dir / CARD_MD, markdown)
    if adapter_dir is not None and adapter_dir.is_dir():
        write_atomic(adapter_dir / "README.md", markdown)
    return run_dir / CARD_MD


def read_card(run_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((run_dir / CARD_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CardError(f"No readable model card in {run_dir} ({exc}).") from exc
    return dict(data)


def update_card_evaluation(store: Store, adapter_id: str, report: dict[str, Any]) -> dict[str, Any]:
    """Put an evaluation report into the adapter's card (both files); returns the updated card."""
    from core.train.records import get_adapter

    adapter = get_adapter(store, adapter_id)
    if adapter is None or not adapter.card_path:
        raise CardError(f"No adapter {adapter_id!r} with a model card. `tutor-studio train` makes adapters.")
    run_dir = Path(adapter.card_path).parent
    card = read_card(run_dir)
    card["evaluation"] = {"updated_at": time.time(), **report}
    write_card(run_dir, card, Path(adapter.path))
    return card


def render_card(card: dict[str, Any]) -> str:
    base, dataset, training = card["base"], card["dataset"], card["training"]
    lines = [
        f"# {card['adapter_id']}",
        "",
        "A LoRA adapter made with Tutor Studio: a Socratic tutor built into the model, no long system prompt.",
        "",
        "## Base model",
        f"- Model: `{base.get('name')}` (revision `{base.get('revision') or 'local'}`)",
        f"- Parameters: {_count(base.get('parameters'))}",
        "",
        "## Dataset",
        f"- Version: `{dataset.get('id')}`",
        f"- Manifest hash: `{dataset.get('manifest_hash')}`",
        f"- {'Preference pairs' if card.get('lineage') else 'Conversations'}: {_counts(dataset.get('counts') or {})}",
        *_lineage_lines(card.get("lineage")),
        "",
        "## Training",
        *_training_lines(training, card),
        "",
        "## Hyperparameters",
        *[f"- {key}: {value}" for key, value in card["hyperparameters"].items()],
        "",
        "## Chat template",
        f"- sha256: `{card['chat_template'].get('sha256')}`",
        f"- Loss on the tutor's turns only: {card['chat_template'].get('loss_masking')}",
        "",
        "```jinja",
        str(card["chat_template"].get("text", "")),
        "```",
        "",
        "## Known limits",
        *[f"- {limit}" for limit in card["known_limits"]],
        "",
        "## Use",
        *[f"- {name}: `{command}`" for name, command in card["usage"].items()],
        "",
        "## Evaluation results",
        *_evaluation_lines(card.get("evaluation")),
        "",
    ]
    return "\n".join(lines)


def _training_lines(training: dict[str, Any], card: dict[str, Any]) -> list[str]:
    hardware = card["hardware"]
    return [
        f"- Steps: {training.get('steps')} of {training.get('total_steps')}",
        f"- Loss: {_num(training.get('first_loss'))} → {_num(training.get('final_loss'))} (training), "
        f"{_num(training.get('eval_loss'))} (validation)",
        f"- Speed: {_num(training.get('tokens_per_second'), 0)} tokens/s, {training.get('precision')}, "
        f"{training.get('engine')}{', packed batches' if training.get('packing') else ''}",
        f"- Hardware: {hardware.get('name')}",
        f"- Time: {_duration(card['time'].get('wall_seconds'))} in all, {_duration(training.get('train_seconds'))} "
        "training",
        f"- Adapter size: {_size(card['adapter'].get('size_bytes'))}",
    ]


def _lineage_lines(lineage: dict[str, Any] | None) -> list[str]:
    """A preference-tuned adapter's parents (SFT adapter, both datasets) and how it was tuned."""
    if not lineage:
        return []
    return ["", "## Lineage and preference tuning", *[f"- {key}: {value}" for key, value in lineage.items()]]


def _evaluation_lines(evaluation: dict[str, Any] | None) -> list[str]:
    if not evaluation:
        return ["Not evaluated yet. The Evaluate tab (or `tutor-studio eval`) fills this in."]
    lines = []
    for key, value in evaluation.items():
        if key == "updated_at":
            continue
        lines.append(
            f"- {key}: {json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value}"
        )
    return lines


def _num(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"


def _count(value: Any) -> str:
    return "unknown" if not value else f"{int(value) / 1e6:.1f}M"


def _counts(counts: dict[str, Any]) -> str:
    return (
        ", ".join(f"{counts[key]} {key}" for key in ("train", "validation", "test") if key in counts)
        or "unknown"
    )


def _size(value: Any) -> str:
    return "unknown" if not value else f"{int(value) / 2**20:.1f} MB"


def _duration(seconds: Any) -> str:
    if seconds is None:
        return "n/a"
    minutes, secs = divmod(round(float(seconds)), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"
