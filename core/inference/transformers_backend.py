"""In-process inference with transformers: one base model, LoRA adapters switched per request.

    backend = TransformersBackend(workspace, base="tiny")
    for event in backend.stream_many([(base, msgs), (prompted, msgs), (adapter, msgs)], config):
        ...

The base weights are loaded once. Each adapter folder is loaded once into a single PeftModel under
its own name; "base" runs with adapters off. `stream_many` runs every request as ONE batched
generate(): with that adapter active when every request has the same one, else with peft's mixed-adapter
batches (`adapter_names`, "__base__" for none, left padding); when a batch cannot be mixed it runs the
requests one after another and logs why. Greedy batches decode in core/inference/greedy.py. One lock
serialises all use of the model, because Gradio calls in from several threads.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from core.inference.backend import (
    DEFAULT_GENERATION,
    ChatReply,
    GenerationConfig,
    InferenceError,
    Message,
    Request,
    StreamEvent,
    collect_reply,
)
from core.inference.generation import GenerationPlan, plan_batch, run_generate
from core.inference.scoring import TokenScores, score_last_message
from core.models.download import ProgressCallback
from core.models.imports import ensure_model_imports
from core.models.loading import DeviceChoice, DtypeChoice, ModelLoadError, load_causal_lm, load_tokenizer
from core.models.spec import ResolvedBase, Variant, configured_base_model, resolve_base
from core.paths import Workspace

log = logging.getLogger(__name__)

NO_ADAPTER = "__base__"
_END = object()


class TransformersBackend:
    """A ChatBackend over one in-process base model (CPU or CUDA) and any number of LoRA adapters."""

    def __init__(
        self,
        workspace: Workspace,
        base: str | ResolvedBase | None = None,
        *,
        device: DeviceChoice = "auto",
        dtype: DtypeChoice = "auto",
    ) -> None:
        self.workspace = workspace
        name = base if base is not None else configured_base_model()
        self.resolved = name if isinstance(name, ResolvedBase) else resolve_base(name, workspace)
        self.device_choice, self.dtype_choice = device, dtype
        self._lock = threading.RLock()
        self._model: Any = None  # the base model, or the PeftModel wrapping it once an adapter is loaded
        self._tokenizer: Any = None
        self._adapters: dict[str, str] = {}  # resolved adapter folder -> its name in the PeftModel

    # -- loading -------------------------------------------------------------------------------------

    def load(self, progress: ProgressCallback | None = None) -> None:
        """Load the base model and tokenizer now (otherwise the first request does).

        A hub base that is not cached yet is downloaded first, reporting bytes to `progress`.
        """
        with self._lock:
            if self._model is None:
                self._tokenizer = load_tokenizer(self.resolved, progress)
                self._model = load_causal_lm(self.resolved, self.device_choice, self.dtype_choice)
                _contiguous_output_head(self._model)

    @property
    def model(self) -> Any:
        self.load()
        return self._model

    @property
    def tokenizer(self) -> Any:
        self.load()
        return self._tokenizer

    @property
    def adapters(self) -> dict[str, str]:
        """Loaded adapters: folder -> name."""
        return dict(self._adapters)

    def adapter_for(self, variant: Variant) -> str | None:
        """The PeftModel name of the variant's adapter, loading it on first use; None for no adapter."""
        spec = variant.spec
        self._check_base(variant)
        if spec.adapter is None:
            if spec.adapter_name is None:
                return None
            if spec.adapter_name in self._adapters.values():
                return spec.adapter_name
            raise InferenceError(
                f"Adapter {spec.adapter_name!r} is not loaded here; give its folder instead."
            )
        folder = str(Path(spec.adapter).expanduser().resolve())
        with self._lock:
            if folder not in self._adapters:
                self._adapters[folder] = self._load_adapter(Path(folder), spec.adapter_key or "adapter")
            return self._adapters[folder]

    def _load_adapter(self, folder: Path, wanted: str) -> str:
        ensure_model_imports()
        from peft import PeftModel

        if not (folder / "adapter_config.json").is_file():
            raise InferenceError(f"{folder} is not an adapter folder (it has no adapter_config.json).")
        if not (folder / "adapter_model.safetensors").is_file():
            raise InferenceError(
                f"{folder} has no adapter_model.safetensors; the studio loads adapters only from safetensors."
            )
        name = _unique_name(wanted, set(self._adapters.values()))
        model = self.model
        try:
            if hasattr(model, "peft_config"):
                model.load_adapter(str(folder), adapter_name=name, is_trainable=False)
            else:
                self._model = PeftModel.from_pretrained(
                    model, str(folder), adapter_name=name, is_trainable=False
                )
        except (RuntimeError, ValueError, KeyError) as exc:
            raise InferenceError(
                f"Couldn't load the adapter in {folder} onto {self.resolved.display_name}: {exc}. "
                "An adapter only fits the base model it was trained on."
            ) from exc
        self._model.eval()
        log.info("loaded adapter %s from %s", name, folder)
        return name

    def _check_base(self, variant: Variant) -> None:
        wanted = variant.spec.base
        if wanted is None or wanted in (
            self.resolved.requested,
            self.resolved.source,
            self.resolved.display_name,
        ):
            return
        raise InferenceError(
            f"Variant {variant.name!r} asks for base {wanted!r}, but this backend runs "
            f"{self.resolved.display_name}; start a backend for that base instead."
        )

    # -- ChatBackend ---------------------------------------------------------------------------------

    def stream(
        self, variant: Variant, messages: Sequence[Message], config: GenerationConfig = DEFAULT_GENERATION
    ) -> Iterator[StreamEvent]:
        return self.stream_many([(variant, messages)], config)

    def complete(
        self, variant: Variant, messages: Sequence[Message], config: GenerationConfig = DEFAULT_GENERATION
    ) -> ChatReply:
        return collect_reply(self.stream(variant, messages, config))

    def stream_many(
        self, requests: Sequence[Request], config: GenerationConfig = DEFAULT_GENERATION
    ) -> Iterator[StreamEvent]:
        """Events of all requests, interleaved; closing the iterator early stops generation."""
        if not requests:
            return
        started_at = time.perf_counter()
        events: queue.Queue[Any] = queue.Queue()
        cancel = threading.Event()
        worker = threading.Thread(
            target=self._generate_into, args=(list(requests), config, events, cancel, started_at), daemon=True
        )
        worker.start()
        try:
            while (item := events.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            cancel.set()
            worker.join(timeout=30)

    def _generate_into(
        self,
        requests: list[Request],
        config: GenerationConfig,
        events: queue.Queue[Any],
        cancel: threading.Event,
        started_at: float,
    ) -> None:
        try:
            with self._lock:
                names = [self.adapter_for(variant) or NO_ADAPTER for variant, _ in requests]
                plan = plan_batch(self.model, self.tokenizer, requests, names, config)
                self._run_plan(plan, events.put, cancel, started_at)
        except (InferenceError, ModelLoadError) as exc:
            events.put(exc)
        except Exception as exc:
            log.exception("generation failed")
            events.put(InferenceError(f"Generation failed: {type(exc).__name__}: {exc}"))
        finally:
            events.put(_END)

    def _run_plan(self, plan: GenerationPlan, emit: Any, cancel: threading.Event, started_at: float) -> None:
        if len(set(plan.adapter_names)) == 1:
            # One adapter (or none) for every row: peft's plain forward, without the per-layer split of
            # a mixed batch (measured a third slower per step on the bundled model with half the rows
            # on the adapter).
            with self._activated(plan.adapter_names[0]):
                run_generate(self._model, self._tokenizer, plan, None, emit, cancel, started_at)
            return
        blocker = mixed_batch_blocker(self._model, plan.adapter_names)
        if blocker is None:
            run_generate(self._model, self._tokenizer, plan, plan.adapter_names, emit, cancel, started_at)
            return
        log.info("running %d requests one after another: %s", len(plan.indices), blocker)
        for sub_plan in plan.split():
            if cancel.is_set():
                return
            with self._activated(sub_plan.adapter_names[0]):
                run_generate(self._model, self._tokenizer, sub_plan, None, emit, cancel, started_at)

    # -- direct model access (evaluation) ------------------------------------------------------------

    @contextlib.contextmanager
    def using_variant(self, variant: Variant) -> Iterator[tuple[Any, Any]]:
        """(model, tokenizer) with the variant's adapter active (or adapters off), holding the lock.

        For evaluation code that needs logits; do not call this backend's stream/complete inside the
        block (generation runs in a worker thread that waits for the same lock).
        """
        with self._lock:
            name = self.adapter_for(variant)
            with self._activated(name or NO_ADAPTER):
                yield self._model, self._tokenizer

    @contextlib.contextmanager
    def _activated(self, name: str) -> Iterator[None]:
        model = self.model
        if not hasattr(model, "peft_config"):
            yield
        elif name == NO_ADAPTER:
            with model.disable_adapter():
                yield
        else:
            model.set_adapter(name)
            yield

    def score_tokens(self, variant: Variant, messages: Sequence[Message]) -> TokenScores:
        """Log-probabilities of the last (assistant) message's tokens under this variant; see scoring.py."""
        with self.using_variant(variant) as (model, tokenizer):
            return score_last_message(model, tokenizer, variant, messages)


def _contiguous_output_head(model: Any) -> None:
    """Hand the output head a contiguous input.

    Generation slices the last position out of the hidden states (`logits_to_keep`); on a batch of
    several rows that slice is strided, and the matmul then copies the whole (vocab x hidden) weight
    once per row: 3 x 56 MB for a SmolLM2-135M-sized model serving three Compare columns.
    """
    head = model.get_output_embeddings()
    if head is not None:
        head.register_forward_pre_hook(lambda _module, args: (args[0].contiguous(), *args[1:]))


def mixed_batch_blocker(model: Any, adapter_names: Sequence[str]) -> str | None:
    """Why these requests cannot share one generate() call, or None when they can."""
    if not hasattr(model, "peft_config"):
        return None  # no adapter loaded yet: every request runs on the plain base model
    for name in set(adapter_names) - {NO_ADAPTER}:
        config = model.peft_config[name]
        if str(getattr(config, "peft_type", "")).split(".")[-1] != "LORA":
            return f"adapter {name} is not a LoRA adapter, and only LoRA adapters mix in one batch"
        if getattr(config, "use_dora", False):
            return f"adapter {name} uses DoRA, which peft cannot mix in one batch"
    return None


def _unique_name(wanted: str, taken: set[str]) -> str:
    # peft keeps adapters in ModuleDicts: no dots, and "__base__" means "no adapter" in mixed batches.
    base = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in wanted) or "adapter"
    if base == NO_ADAPTER:
        base = "adapter"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name
