"""The variants a Compare column can show, and the Variant each one runs.

    options = variant_options(store, base)          # Base model | Prompted | one entry per adapter
    variant = resolve_variant(store, "prompted")    # base + the tutor policy as system prompt
    keys = default_column_keys(store)               # ["base", "prompted", "adapter:<latest>"]

Keys are plain strings so the UI can keep them in gr.State: "base", "prompted", "adapter:<adapter id>".
An adapter variant carries its folder (the in-process backend loads it once) and its id as the LoRA
module name (an OpenAI-compatible server addresses it by that name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.models.spec import ModelSpec, ResolvedBase, Variant
from core.policy import current_policy
from core.store import Store
from core.train.records import Adapter, get_adapter, latest_adapter, list_adapters

BASE_KEY = "base"
PROMPTED_KEY = "prompted"
ADAPTER_PREFIX = "adapter:"
BASE_LABEL = "Base model (no system prompt)"
PROMPTED_LABEL = "Prompted (base + tutor policy)"
NO_ADAPTER_HINT = "No adapter yet: train one in the Train tab, then pick it here."
DEFAULT_COLUMNS = 3


class VariantError(ValueError):
    """A column's variant cannot be run; the message says how to fix it."""


@dataclass(frozen=True)
class VariantOption:
    key: str
    label: str
    note: str = ""  # e.g. why an adapter may not fit the base model in use


def adapter_key(adapter_id: str) -> str:
    return f"{ADAPTER_PREFIX}{adapter_id}"


def adapter_label(adapter: Adapter) -> str:
    return f"Adapter {adapter.id}"


def fits_base(adapter: Adapter, base: ResolvedBase | None) -> bool:
    """Whether the adapter was trained on the base model in use (unknown base: assume it does)."""
    if base is None:
        return True
    return adapter.base_model in {base.requested, base.source, base.display_name}


def variant_options(store: Store, base: ResolvedBase | None = None) -> list[VariantOption]:
    """Every variant a column can show: the bare base, the prompted base, then adapters newest first."""
    options = [VariantOption(BASE_KEY, BASE_LABEL), VariantOption(PROMPTED_KEY, PROMPTED_LABEL)]
    for adapter in list_adapters(store):
        note = "" if fits_base(adapter, base) else f"trained on {adapter.base_model}, not the base in use"
        label = adapter_label(adapter) + (f" ({note})" if note else "")
        options.append(VariantOption(adapter_key(adapter.id), label, note))
    return options


def default_column_keys(store: Store, columns: int = DEFAULT_COLUMNS) -> list[str | None]:
    """base | prompted | latest adapter; None for the adapter column while there is no adapter."""
    latest = latest_adapter(store)
    keys: list[str | None] = [BASE_KEY, PROMPTED_KEY, adapter_key(latest.id) if latest else None]
    return (keys + [None] * columns)[:columns]


def variant_label(store: Store, key: str) -> str:
    if key == BASE_KEY:
        return BASE_LABEL
    if key == PROMPTED_KEY:
        return PROMPTED_LABEL
    return f"Adapter {key.removeprefix(ADAPTER_PREFIX)}"


def resolve_variant(store: Store, key: str) -> Variant:
    """The Variant behind a column's key, with the workspace's current tutor policy for "prompted"."""
    if key == BASE_KEY:
        return Variant(BASE_KEY, ModelSpec())
    if key == PROMPTED_KEY:
        return Variant(PROMPTED_KEY, ModelSpec(system_prompt=current_policy(store)))
    if not key.startswith(ADAPTER_PREFIX):
        raise VariantError(f"Unknown variant {key!r}; pick Base model, Prompted or an adapter.")
    adapter_id = key.removeprefix(ADAPTER_PREFIX)
    adapter = get_adapter(store, adapter_id)
    if adapter is None or adapter.deleted_at is not None:
        raise VariantError(
            f"There is no adapter {adapter_id!r} (any more); pick another one in the column's list."
        )
    if not (Path(adapter.path) / "adapter_config.json").is_file():
        raise VariantError(
            f"The files of adapter {adapter_id} are missing from {adapter.path}; pick another adapter or train again."
        )
    return Variant(key, ModelSpec(adapter=adapter.path, adapter_name=adapter.id))
