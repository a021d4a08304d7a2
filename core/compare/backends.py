"""Which backend answers the Compare columns: the studio's own model, or an OpenAI-compatible server.

    backends = ChatBackends()                          # one per studio process (AppContext.chat_backends)
    backend = backends.get(workspace, base, ServingConfig())              # in process, created once
    backend = backends.get(workspace, base, ServingConfig("openai", "http://127.0.0.1:8000/v1", "m"))

The in-process TransformersBackend is created on first use and shared by every browser session: one
copy of the base weights, adapters loaded once and switched per request. Server settings hold the
*name* of the environment variable with the API key, never the key.
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from core.inference.backend import ChatBackend
from core.inference.openai_backend import OpenAICompatibleBackend
from core.models.download import ProgressCallback
from core.models.spec import ResolvedBase
from core.paths import Workspace
from core.store import Store

if TYPE_CHECKING:
    from core.inference.transformers_backend import TransformersBackend

ServingKind = Literal["transformers", "openai"]
SERVING_KINDS: tuple[ServingKind, ...] = ("transformers", "openai")
SERVING_SETTING = "compare_serving"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ServingError(ValueError):
    """The serving settings are incomplete or wrong; the message says what to fill in."""


@dataclass(frozen=True)
class ServingConfig:
    kind: ServingKind = "transformers"
    base_url: str = ""  # e.g. http://127.0.0.1:8000/v1
    model: str = ""  # the base model's name on the server
    api_key_env: str = ""  # the NAME of the environment variable holding the key; empty for none

    def checked(self) -> ServingConfig:
        """The settings cleaned up, or a ServingError naming the field to fix."""
        if self.kind not in SERVING_KINDS:
            raise ServingError(
                f"Unknown serving backend {self.kind!r}; use one of {', '.join(SERVING_KINDS)}."
            )
        cleaned = ServingConfig(
            self.kind, self.base_url.strip().rstrip("/"), self.model.strip(), self.api_key_env.strip()
        )
        if cleaned.kind == "transformers":
            return cleaned
        if not re.match(r"^https?://", cleaned.base_url):
            raise ServingError(
                "Server URL: give the server's address, e.g. http://127.0.0.1:8000/v1 for vLLM."
            )
        if not cleaned.model:
            raise ServingError(
                "Model: give the base model's name on the server (vLLM: its --served-model-name)."
            )
        if cleaned.api_key_env and not ENV_NAME.match(cleaned.api_key_env):
            raise ServingError(
                "API key variable: give the NAME of an environment variable (e.g. OPENAI_API_KEY), not the key itself."
            )
        return cleaned

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> ServingConfig:
        if not isinstance(data, dict):
            return cls()
        known = {k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__ and v is not None}
        return cls(**known) if known.get("kind", "transformers") in SERVING_KINDS else cls()  # type: ignore[arg-type]


def load_serving(store: Store) -> ServingConfig:
    """The serving settings last used in this workspace."""
    return ServingConfig.from_dict(store.get_setting(SERVING_SETTING))


def save_serving(store: Store, serving: ServingConfig) -> ServingConfig:
    checked = serving.checked()
    store.set_setting(SERVING_SETTING, checked.to_dict())
    return checked


def answering_model(base: ResolvedBase, serving: ServingConfig) -> str:
    """Which model answers, in words (shown in small print under the columns, stored with comparisons)."""
    if serving.kind == "openai":
        return f"{serving.model} at {serving.base_url}"
    return base.display_name


class ChatBackends:
    """The backends of one studio process: created on first use, then reused by every session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local: dict[str, TransformersBackend] = {}
        self._loaded: set[str] = set()
        self._remote: dict[tuple[str, str, str], OpenAICompatibleBackend] = {}

    def get(self, workspace: Workspace, base: ResolvedBase, serving: ServingConfig) -> ChatBackend:
        serving = serving.checked()
        if serving.kind == "transformers":
            return self.local(workspace, base)
        key = (serving.base_url, serving.model, serving.api_key_env)
        with self._lock:
            if key not in self._remote:
                self._remote[key] = OpenAICompatibleBackend(
                    serving.base_url, serving.model, api_key_env=serving.api_key_env or None
                )
            return self._remote[key]

    def local(self, workspace: Workspace, base: ResolvedBase) -> TransformersBackend:
        """The in-process backend for `base` (its weights load on the first request, or `ensure_loaded`)."""
        from core.inference.transformers_backend import TransformersBackend

        with self._lock:
            if base.source not in self._local:
                self._local[base.source] = TransformersBackend(workspace, base=base)
            return self._local[base.source]

    def use(self, base: ResolvedBase, backend: TransformersBackend) -> None:
        """Serve `base` with an already created backend (tests and benchmarks share one loaded model)."""
        with self._lock:
            self._local[base.source] = backend
            if backend._model is not None:  # the backend has no public "loaded" flag
                self._loaded.add(base.source)

    def needs_loading(self, base: ResolvedBase, serving: ServingConfig) -> bool:
        """True when the next in-process request must first load (or download) the base model."""
        return serving.kind == "transformers" and base.source not in self._loaded

    def ensure_loaded(
        self, workspace: Workspace, base: ResolvedBase, progress: ProgressCallback | None = None
    ) -> None:
        self.local(workspace, base).load(progress)
        self._loaded.add(base.source)


class CompareContext(Protocol):
    """What Compare needs from its caller; the studio's AppContext has these attributes."""

    store: Store
    workspace: Workspace
    base: ResolvedBase
    chat_backends: ChatBackends


@dataclass
class LocalCompareContext:
    """A CompareContext for the CLI and tests."""

    store: Store
    workspace: Workspace
    base: ResolvedBase
    chat_backends: ChatBackends
