"""Parity check: does the tutor answer the same on the serving stack as in the studio?

    report = check_parity(store, ws, ParityConfig("tiny@local+tutor@v1+lora@v1", "http://127.0.0.1:8000/v1"))
    report.verdict      # "agree" | "close" | "drift" | "unreachable"
    report.rows         # per prompt: the studio's reply, the server's, agreement, the likely cause

The prompts are the first student turns of the adapter's test split (conversations never trained on) and
the built-in probes (assets/probes.yaml), each sent alone, without a system prompt, with greedy decoding,
to the server (the adapter addressed by its LoRA module name) and to the studio's TransformersBackend.
Where they differ, the studio also has the answers of the bare base and of the base with the tutor policy
as system prompt (one batched generate with the adapter's), which names the usual causes: the server is
not applying the adapter, a system prompt is added in serving, or the chat template differs (the replies
part at the first word). Replies that part late are numerical noise (bf16 against fp32, other kernels).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from core.compare.probes import load_probes
from core.evaluate.testset import read_conversations
from core.inference.backend import ChatBackend, GenerationConfig, InferenceError
from core.models.spec import ModelSpec, Variant
from core.policy import current_policy
from core.review.records import get_dataset
from core.store import Store
from core.train.records import Adapter

CAUSES = {
    "no_adapter": "The server answered like the base model without the adapter: it is not serving the adapter "
    "under this name. Check the --lora-modules entry and the model name.",
    "system_prompt": "The server's replies match the base model given the long tutor system prompt: something in "
    "serving adds a system prompt the adapter was not trained with (system prompt drift). Send none.",
    "template": "The replies differ from the first word: the chat template differs between training and serving "
    "(template drift). Serve with the chat_template.jinja of the export (--chat-template).",
    "numeric": "Same start, different ending: small numerical differences (bf16 against fp32, other kernels). "
    "Harmless when most prompts agree.",
    "length": "One reply is the start of the other: they stopped at different lengths (max tokens or stop words).",
}
CLOSE_SHARE = 0.5  # "close": no structural cause, and at least this share of prompts agree exactly


@dataclass(frozen=True)
class ParityConfig:
    adapter_id: str
    server_url: str
    served_model: str = ""  # the adapter's LoRA module name on the server (default: the adapter id)
    api_key_env: str = ""
    max_prompts: int = 12  # first student turns from the test split
    include_probes: bool = True
    max_new_tokens: int = 48

    @property
    def model(self) -> str:
        return self.served_model.strip() or self.adapter_id


@dataclass(frozen=True)
class ParityPrompt:
    id: str
    source: str  # "test split" | "probe"
    message: str


@dataclass(frozen=True)
class ParityRow:
    prompt: ParityPrompt
    studio: str
    server: str
    agree: bool
    shared_words: int
    cause: str | None  # a key of CAUSES when they differ


@dataclass(frozen=True)
class ParityReport:
    adapter_id: str
    server_url: str
    served_model: str
    verdict: str
    rows: list[ParityRow] = field(default_factory=list)
    message: str = ""

    @property
    def agreement(self) -> float | None:
        return sum(r.agree for r in self.rows) / len(self.rows) if self.rows else None

    @property
    def causes(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.rows:
            if row.cause:
                found[row.cause] = found.get(row.cause, 0) + 1
        return dict(sorted(found.items(), key=lambda kv: -kv[1]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "adapter": self.adapter_id,
            "server": self.server_url,
            "model": self.served_model,
            "verdict": self.verdict,
            "agreement": self.agreement,
            "message": self.message,
            "causes": self.causes,
            "rows": [asdict(row) for row in self.rows],
        }


def parity_prompts(
    store: Store, adapter: Adapter, max_prompts: int, include_probes: bool
) -> list[ParityPrompt]:
    """First student turns of the adapter's test split (distinct, in file order), then the probes."""
    prompts: list[ParityPrompt] = []
    dataset = get_dataset(store, adapter.dataset_id) if adapter.dataset_id else None
    if dataset is not None and dataset.kind == "sft":
        seen: set[str] = set()
        for index, messages in enumerate(read_conversations(dataset.split_path("test"))):
            first = next((m["content"] for m in messages if m["role"] == "user"), "")
            if first and first not in seen and len(seen) < max_prompts:
                seen.add(first)
                prompts.append(ParityPrompt(f"test:{index}", "test split", first))
    if include_probes:
        prompts += [ParityPrompt(f"probe:{p.id}", "probe", p.message) for p in load_probes()]
    return prompts


def studio_variants(store: Store, adapter: Adapter) -> list[Variant]:
    """The adapter (the reference), then the bare base and the prompted base (for naming causes)."""
    return [
        Variant("adapter", ModelSpec(adapter=adapter.path, adapter_name=adapter.id)),
        Variant("base", ModelSpec()),
        Variant("prompted", ModelSpec(system_prompt=current_policy(store))),
    ]


def studio_replies(
    backend: ChatBackend, variants: list[Variant], message: str, config: GenerationConfig
) -> list[str]:
    """Every variant's greedy reply to one student message, from one batched generate."""
    texts = [""] * len(variants)
    conversation = [{"role": "user", "content": message}]
    for event in backend.stream_many([(v, conversation) for v in variants], config):
        texts[event.index] += event.delta
    return [text.strip() for text in texts]


def compare_replies(prompt: ParityPrompt, studio: list[str], server: str) -> ParityRow:
    """One row: agreement, how many words the replies share from the start, and the likely cause."""
    adapter_reply, base_reply, prompted_reply = studio
    server = server.strip()
    shared = shared_words(adapter_reply, server)
    if server == adapter_reply:
        return ParityRow(prompt, adapter_reply, server, True, shared, None)
    if server == base_reply and base_reply != adapter_reply:
        cause = "no_adapter"
    elif server == prompted_reply and prompted_reply != adapter_reply:
        cause = "system_prompt"
    elif shared == 0:
        cause = "template"
    elif server.startswith(adapter_reply) or adapter_reply.startswith(server):
        cause = "length"
    else:
        cause = "numeric"
    return ParityRow(prompt, adapter_reply, server, False, shared, cause)


def shared_words(a: str, b: str) -> int:
    count = 0
    for left, right in zip(a.split(), b.split(), strict=False):
        if left != right:
            break
        count += 1
    return count


def verdict_of(rows: list[ParityRow]) -> tuple[str, str]:
    if not rows:
        return "drift", "No prompt was checked."
    agreeing = sum(r.agree for r in rows)
    structural = [r.cause for r in rows if r.cause in ("no_adapter", "system_prompt", "template")]
    if agreeing == len(rows):
        return "agree", f"All {len(rows)} replies are identical: serving matches the studio."
    head = f"{agreeing} of {len(rows)} replies are identical."
    if not structural and agreeing / len(rows) >= CLOSE_SHARE:
        return "close", f"{head} The others part late, not at the start: {CAUSES['numeric']}"
    worst = max(set(structural), key=structural.count) if structural else "numeric"
    return "drift", f"{head} Likely cause: {CAUSES[worst]}"


def server_problem(backend: Any, model: str) -> str | None:
    """Why the server cannot be checked (unreachable, or not serving `model`), else None."""
    try:
        models = backend.list_models()
    except InferenceError as exc:
        return str(exc)
    if model not in models:
        offered = ", ".join(models) or "none"
        return (
            f"The server does not serve a model named {model!r} (it offers {offered}). Start it with "
            f"--lora-modules {model}=PATH (the export's serve.sh does), or give the adapter's name on the server."
        )
    return None
