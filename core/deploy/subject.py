"""What an export ships: the adapter, its lineage, its base model and the chat template it was trained with.

    subject = export_subject(store, workspace, "tiny@local+tutor@v1+preferences@v1+dpo@v1")
    subject.served          # [the SFT parent, the DPO adapter]: every adapter the server mounts
    subject.generators      # {"base": "...", "lora": "<sft id>", "lora_pref": "<dpo id>"}
    subject.chat_template   # the exact template text from the adapter's model card

A preference-tuned adapter is shipped with its supervised parent, so an application can switch between
the base, the SFT tutor and the preference-tuned tutor (GENERATOR=base|lora|lora_pref) on one server.
Nothing here loads weights; the base only has to be local for the merged and Ollama exports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.models.spec import ResolvedBase, resolve_base
from core.paths import Workspace, safe_name
from core.store import Store
from core.train.card import CardError, read_card
from core.train.records import Adapter, get_adapter

PREFERENCE_METHODS = ("dpo", "orpo")


class ExportError(ValueError):
    """An export cannot be made as asked; the message says how to fix it."""


@dataclass(frozen=True)
class ExportSubject:
    adapter: Adapter
    parent: Adapter | None
    base: ResolvedBase
    chat_template: str

    @property
    def served(self) -> list[Adapter]:
        return [self.parent, self.adapter] if self.parent else [self.adapter]

    @property
    def served_base(self) -> str:
        """The model id the base is served (and loaded) under: the hub id, or a local folder's name."""
        if self.base.kind in ("hub", "cache") or self.base.is_fallback:
            return self.adapter.base_model
        return Path(self.base.source).name

    @property
    def base_available(self) -> bool:
        return not self.base.is_fallback

    @property
    def generators(self) -> dict[str, str | None]:
        """GENERATOR value -> the model name an OpenAI-compatible client sends."""
        preference = self.adapter.method in PREFERENCE_METHODS
        sft = self.parent.id if self.parent else (None if preference else self.adapter.id)
        return {"base": self.served_base, "lora": sft, "lora_pref": self.adapter.id if preference else None}


def adapter_folder_name(adapter: Adapter) -> str:
    """A folder (and Kubernetes volume) friendly name for an adapter id."""
    return safe_name(adapter.id).replace("@", "-").replace("+", "_")


def export_subject(store: Store, workspace: Workspace, adapter_id: str) -> ExportSubject:
    adapter = get_adapter(store, adapter_id)
    if adapter is None or adapter.deleted_at is not None:
        raise ExportError(
            f"No adapter {adapter_id!r} in this workspace. `tutor-studio train` makes adapters."
        )
    if not (Path(adapter.path) / "adapter_model.safetensors").is_file():
        raise ExportError(
            f"The files of adapter {adapter.id} are missing from {adapter.path}; train it again."
        )
    parent = None
    if adapter.method in PREFERENCE_METHODS:
        parent = parent_adapter(store, adapter)
    base = resolve_base(adapter.base_model, workspace)
    return ExportSubject(adapter, parent, base, chat_template_of(adapter, base))


def parent_adapter(store: Store, adapter: Adapter) -> Adapter | None:
    row = store.query_one("SELECT parent_adapter_id FROM runs WHERE id = ?", (adapter.run_id,))
    parent = get_adapter(store, row["parent_adapter_id"]) if row and row["parent_adapter_id"] else None
    if parent is None or not (Path(parent.path) / "adapter_model.safetensors").is_file():
        return None  # the preference adapter still ships alone; GENERATOR=lora is then left empty
    return parent


def chat_template_of(adapter: Adapter, base: ResolvedBase) -> str:
    """The template recorded in the adapter's model card (what training used), else the local base's own."""
    if adapter.card_path:
        try:
            text = read_card(Path(adapter.card_path).parent).get("chat_template", {}).get("text")
        except CardError:
            text = None
        if text:
            return str(text)
    found = base_template(Path(base.source)) if not base.is_fallback and base.kind != "hub" else None
    if found:
        return found
    raise ExportError(
        f"Adapter {adapter.id} has no model card with its chat template, and the base model {adapter.base_model} "
        "is not on this machine to read it from. Train the adapter in the studio (it writes the card) or "
        "download the base model first."
    )


def base_template(folder: Path) -> str | None:
    """A local model folder's chat template: chat_template.jinja, else tokenizer_config.json's."""
    jinja = folder / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    try:
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    template = config.get("chat_template")
    return template if isinstance(template, str) and template else None
