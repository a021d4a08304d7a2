"""Parity check: does the tutor answer the same on the serving stack as in the studio?

    config = ParityConfig(adapter_id="tiny@local+tutor@v1+lora@v1", server_url="http://127.0.0.1:8000/v1")
    report = check_parity(store, ws, config)
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

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from core.compare.probes import load_probes
from core.evaluate.testset import read_conversations
from core.inference.backend import ChatBackend, GenerationConfig, InferenceError
from core.models.loading import DtypeChoice
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
DEFAULT_SERVER_URL = "http://127.0.0.1:8000/v1"
Verdict = Literal["agree", "close", "drift", "unreachable"]


class ParityConfig(BaseModel):
    """One parity check. The field descriptions are the Deploy tab's help and the `export --check` flags' help."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    adapter_id: str = Field(description="The adapter whose export the server runs.")
    server_url: str = Field(
        description="The OpenAI-compatible server running the export (vLLM, Ollama), ending in /v1."
    )
    served_model: str = Field(
        default="",
        description="The adapter's name on the server: vLLM's --lora-modules name (the adapter id in the "
        "export). Empty: the adapter id.",
    )
    api_key_env: str = Field(
        default="", description="The NAME of the variable with the server's key; empty for a local server."
    )
    max_prompts: int = Field(
        default=12,
        description="Test conversations to send: the first student turns of the adapter's test split.",
    )
    include_probes: bool = Field(
        default=True,
        description="Also send the built-in probes (just tell me, rule-breaking, off-topic and frustrated "
        "students).",
    )
    max_new_tokens: int = Field(
        default=48, description="Longest reply to compare, in tokens (greedy decoding)."
    )
    dtype: DtypeChoice = Field(
        default="auto",
        description="The number format the studio answers in: auto (what Compare and Evaluate use), or the "
        "server's, to compare like with like. For an exact check start the export with the same format "
        "(./serve.sh --dtype float32 with fp32): torch's and vLLM's bf16 kernels round differently, so bf16 "
        "replies can part after a few words.",
    )

    @property
    def model(self) -> str:
        return self.served_model.strip() or self.adapter_id


class ParityPrompt(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    source: Literal["test split", "probe"]
    message: str


class ParityRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt: ParityPrompt
    studio: str
    server: str
    agree: bool
    shared_words: int
    cause: str | None  # a key of CAUSES when they differ


class ParityReport(BaseModel):
    """A parity check's outcome; its JSON (the saved report, `export --check --json`) is `to_dict()`."""

    model_config = ConfigDict(frozen=True, serialize_by_alias=True)

    adapter_id: str = Field(
        serialization_alias="adapter", validation_alias=AliasChoices("adapter", "adapter_id")
    )
    server_url: str = Field(
        serialization_alias="server", validation_alias=AliasChoices("server", "server_url")
    )
    served_model: str = Field(
        serialization_alias="model", validation_alias=AliasChoices("model", "served_model")
    )
    verdict: Verdict
    agreement: float | None = None
    message: str = ""
    causes: dict[str, int] = Field(default_factory=dict)
    rows: list[ParityRow] = Field(default_factory=list)
    batch_leak: bool | None = None  # the adapter reached base requests batched with it; None: not checked

    @classmethod
    def of(
        cls,
        adapter_id: str,
        server_url: str,
        served_model: str,
        verdict: Verdict,
        rows: list[ParityRow],
        message: str = "",
    ) -> ParityReport:
        """A report whose agreement and causes are counted from `rows`."""
        return cls(
            adapter_id=adapter_id,
            server_url=server_url,
            served_model=served_model,
            verdict=verdict,
            agreement=sum(r.agree for r in rows) / len(rows) if rows else None,
            message=message,
            causes=count_causes(rows),
            rows=rows,
        )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def count_causes(rows: list[ParityRow]) -> dict[str, int]:
    """How many rows each cause explains, most frequent first."""
    found: dict[str, int] = {}
    for row in rows:
        if row.cause:
            found[row.cause] = found.get(row.cause, 0) + 1
    return dict(sorted(found.items(), key=lambda kv: -kv[1]))


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
                prompts.append(ParityPrompt(id=f"test:{index}", source="test split", message=first))
    if include_probes:
        prompts += [
            ParityPrompt(id=f"probe:{p.id}", source="probe", message=p.message) for p in load_probes()
        ]
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
        return _row(prompt, adapter_reply, server, shared, None)
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
    return _row(prompt, adapter_reply, server, shared, cause)


def _row(prompt: ParityPrompt, studio: str, server: str, shared: int, cause: str | None) -> ParityRow:
    return ParityRow(
        prompt=prompt, studio=studio, server=server, agree=cause is None, shared_words=shared, cause=cause
    )


def shared_words(a: str, b: str) -> int:
    count = 0
    for left, right in zip(a.split(), b.split(), strict=False):
        if left != right:
            break
        count += 1
    return count


def verdict_of(rows: list[ParityRow]) -> tuple[Verdict, str]:
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
