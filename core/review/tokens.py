"""Token counts and the context limit, with the base model's own tokenizer and chat template.

    counter = token_counter(workspace, base)     # cached per model folder
    counter.count(messages)                      # tokens of the conversation as training renders it
    counter.max_length                           # the model's context length (None when unknown)
    counter.render(messages)                     # raises TemplateRefused when the template rejects it

tokenizer.json is loaded with the `tokenizers` library and the chat template rendered with transformers'
own renderer (`transformers.utils.chat_template_utils`, which imports no torch), so counting and
validating a large file stay light. A model without tokenizer.json falls back to AutoTokenizer.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.models.imports import ensure_model_imports, ensure_template_imports
from core.models.spec import ResolvedBase, configured_base_model, resolve_base
from core.paths import Workspace

if TYPE_CHECKING:
    from core.store import Store

log = logging.getLogger(__name__)

Messages = Sequence[dict[str, str]]
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "config.json", "chat_template.jinja")
SPECIAL_TOKEN_KEYS = (
    "bos_token",
    "eos_token",
    "unk_token",
    "pad_token",
    "sep_token",
    "cls_token",
    "mask_token",
)
# model_max_length values above this are transformers' "no limit" sentinel, not a real context length.
MAX_SANE_LENGTH = 10_000_000
POSITION_KEYS = ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length")
# Every token of a byte-level or byte-fallback tokenizer covers at least one byte of text, so a rendering
# of B bytes has at most B (+ a few for an added prefix) tokens: shorter conversations need no tokenizing.
BYTE_BOUND_MARGIN = 16


# The template is probed once per sequence of roles: with placeholders, to find the text it writes
# around each content, then with a content it might escape or trim (whitespace at both ends, a newline,
# quotes, a backslash, markup), to check that it copies contents verbatim.
PLACEHOLDER = "\ue000{}\ue001"
VERBATIM_PROBE = ' x\n"\\<y> z '


class TemplateRefused(ValueError):
    """The base model's chat template refuses this conversation; the message is the template's own."""


@dataclass(frozen=True)
class Shape:
    """What the chat template does with one sequence of roles (found once per sequence, then cached)."""

    refusal: str | None  # the template's own error when it refuses this sequence of roles
    skeleton: tuple[str, ...] | None  # the text around the contents when it copies each one verbatim

    @property
    def overhead(self) -> int | None:
        """Bytes the template adds around the contents."""
        return None if self.skeleton is None else sum(len(piece.encode("utf-8")) for piece in self.skeleton)

    def fill(self, contents: list[str]) -> str:
        assert self.skeleton is not None
        return "".join(piece + content for piece, content in zip(self.skeleton, [*contents, ""], strict=True))


@dataclass
class TokenCounter:
    """Counts tokens the way training sees a conversation; built by `token_counter`."""

    model_name: str
    template: str | None
    special_tokens: dict[str, str]
    max_length: int | None
    lengths: Callable[[list[str]], list[int]]
    _shapes: dict[tuple[str, ...], Shape] = field(default_factory=dict)

    def render(self, messages: Messages) -> str:
        """The conversation as text, exactly as the chat template writes it (no generation prompt).

        Templates that copy contents verbatim (ChatML, Qwen, SmolLM, ...) are filled in from their
        probed skeleton, without running jinja for every conversation."""
        shape = self.shape(tuple(m["role"] for m in messages))
        if shape.refusal is not None:
            raise TemplateRefused(shape.refusal)
        if shape.skeleton is not None:
            return shape.fill([m["content"] for m in messages])
        return self.render_template(messages)

    def render_template(self, messages: Messages) -> str:
        """The rendering by the template itself, with transformers' own jinja renderer."""
        if self.template is None:
            return "".join(f"{m['role']}\n{m['content']}\n" for m in messages)
        ensure_template_imports()
        from transformers.utils.chat_template_utils import render_jinja_template

        template_kwargs: dict[str, Any] = dict(self.special_tokens)
        try:
            # Returns (rendered conversations, generation indices) although annotated as str.
            result: Any = render_jinja_template(
                conversations=[[dict(m) for m in messages]],
                chat_template=self.template,
                add_generation_prompt=False,
                **template_kwargs,
            )
        except Exception as exc:  # jinja's TemplateError and the template's own raise_exception()
            raise TemplateRefused(str(exc) or type(exc).__name__) from exc
        return str(result[0][0])

    def count(self, messages: Messages) -> int:
        return self.count_many([messages])[0]

    def count_many(self, conversations: Sequence[Messages]) -> list[int]:
        """Token counts of many conversations in one tokenizer call (fast in batches)."""
        return self.lengths([self.render(messages) for messages in conversations])

    def shape(self, roles: tuple[str, ...]) -> Shape:
        """What the template does with this sequence of roles, found once by rendering two probes."""
        if roles not in self._shapes:
            self._shapes[roles] = self._probe(roles)
        return self._shapes[roles]

    def _probe(self, roles: tuple[str, ...]) -> Shape:
        marks = [PLACEHOLDER.format(i) for i in range(len(roles))]
        try:
            marked = self.render_template(
                [{"role": r, "content": m} for r, m in zip(roles, marks, strict=True)]
            )
            verbatim = self.render_template([{"role": role, "content": VERBATIM_PROBE} for role in roles])
        except TemplateRefused as refusal:
            return Shape(refusal=str(refusal), skeleton=None)
        pieces, rest = [], marked
        for mark in marks:
            before, found, rest = rest.partition(mark)
            if not found or mark in rest:
                return Shape(refusal=None, skeleton=None)
            pieces.append(before)
        shape = Shape(refusal=None, skeleton=(*pieces, rest))
        return shape if shape.fill([VERBATIM_PROBE] * len(roles)) == verbatim else Shape(None, None)

    def surely_fits(self, messages: Messages) -> bool:
        """True when the conversation is certainly within the context length, without tokenizing it."""
        if self.max_length is None:
            return True
        overhead = self.shape(tuple(m["role"] for m in messages)).overhead
        if overhead is None:
            return False
        size = overhead + sum(len(m["content"].encode("utf-8")) for m in messages)
        return size + BYTE_BOUND_MARGIN <= self.max_length

    @property
    def forbids_consecutive_roles(self) -> bool:
        """True when the template refuses two turns in a row from the same role (e.g. Mistral's)."""
        return self.shape(("user", "user", "assistant")).refusal is not None


_CACHE: dict[str, TokenCounter] = {}
_CACHE_LOCK = threading.Lock()


def token_counter(
    workspace: Workspace, base: ResolvedBase | None = None, store: Store | None = None
) -> TokenCounter:
    """The counter of `base` (default: the workspace's configured base model), loaded once per process."""
    resolved = base or resolve_base(configured_base_model(store), workspace)
    with _CACHE_LOCK:
        key = f"{resolved.kind}:{resolved.source}"
        if key not in _CACHE:
            _CACHE[key] = load_counter(resolved)
        return _CACHE[key]


def load_counter(resolved: ResolvedBase) -> TokenCounter:
    folder = tokenizer_folder(resolved)
    config = read_json(folder / "tokenizer_config.json")
    model_config = read_json(folder / "config.json")
    return TokenCounter(
        model_name=resolved.display_name,
        template=chat_template(folder, config),
        special_tokens=special_tokens(config),
        max_length=context_length(config, model_config),
        lengths=length_function(folder),
    )


def tokenizer_folder(resolved: ResolvedBase) -> Path:
    """A local folder with the base's tokenizer files; a hub model gets only those, not its weights."""
    if resolved.kind == "tiny":
        from core.models.tiny import ensure_tiny_at

        return ensure_tiny_at(Path(resolved.source))
    if resolved.kind == "bundled":  # its tokenizer is inside the GGUF: unpack the model once (~20 s)
        from core.models.download import ensure_base_local

        return ensure_base_local(resolved)
    if resolved.kind in ("local", "cache"):
        return Path(resolved.source)
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError

    folder: Path | None = None
    for name in TOKENIZER_FILES:
        try:
            path = hf_hub_download(
                resolved.source, name, revision=resolved.revision, cache_dir=resolved.cache_dir
            )
        except EntryNotFoundError:
            continue
        folder = Path(path).parent
    if folder is None:
        raise FileNotFoundError(f"{resolved.source} has no tokenizer files on the hub.")
    return folder


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def chat_template(folder: Path, config: dict[str, Any]) -> str | None:
    jinja = folder / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: the default one is what apply_chat_template uses
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
    return template if isinstance(template, str) else None


def special_tokens(config: dict[str, Any]) -> dict[str, str]:
    found = {}
    for key in SPECIAL_TOKEN_KEYS:
        value = config.get(key)
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str):
            found[key] = value
    return found


def context_length(config: dict[str, Any], model_config: dict[str, Any]) -> int | None:
    value = config.get("model_max_length")
    if isinstance(value, int | float) and 0 < value < MAX_SANE_LENGTH:
        return int(value)
    for key in POSITION_KEYS:
        if isinstance(model_config.get(key), int):
            return int(model_config[key])
    return None


def length_function(folder: Path) -> Callable[[list[str]], list[int]]:
    """texts -> token counts, with the fast `tokenizers` library where the model ships tokenizer.json."""
    if (folder / "tokenizer.json").is_file():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        return lambda texts: [len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    ensure_model_imports()
    from transformers import AutoTokenizer

    log.info("%s has no tokenizer.json: counting with AutoTokenizer", folder)
    slow = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
    return lambda texts: [len(ids) for ids in slow(texts, add_special_tokens=False)["input_ids"]]
