"""Which teacher writes the conversations: the offline template, an OpenAI-compatible server, or a local model.

    TeacherConfig()                                                     # the offline template teacher
    TeacherConfig(kind="openai", base_url="http://127.0.0.1:8000/v1", model="Qwen/Qwen2.5-7B-Instruct",
                  api_key_env="OPENAI_API_KEY")                         # the key stays in the environment
    TeacherConfig(kind="hf", model="HuggingFaceTB/SmolLM2-1.7B-Instruct")  # through transformers
    parse_teacher("http://localhost:11434/v1", model="llama3.1")        # what `--teacher` accepts
    teacher = build_teacher(config, workspace)

The config is plain data that goes into job params and the store; it holds the NAME of the environment
variable with the API key, never the key.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from core.generate.teachers import ModelTeacher, Teacher
from core.paths import Workspace
from core.store import Store

TeacherKind = Literal["template", "openai", "hf"]
TEACHER_SETTING = "generate.teacher"  # the teacher of the last run, offered again next time
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KEY_LIKE = re.compile(r"^(?:sk-|hf_|gsk_|key-)|^[A-Za-z0-9_-]{32,}$")
_HF_BACKENDS: dict[str, Any] = {}
_HF_LOCK = threading.Lock()


class TeacherConfigError(ValueError):
    """The teacher settings cannot be used; the message says how to fix them."""


@dataclass(frozen=True)
class TeacherConfig:
    kind: TeacherKind = "template"
    base_url: str | None = None  # openai: the server's /v1 address
    model: str | None = None  # openai: the model name the server knows; hf: a hub id or local folder
    api_key_env: str | None = None  # openai: the NAME of the environment variable holding the key
    stream: bool = False  # openai/hf: ask for a streamed reply
    timeout_s: float = 120.0  # openai: the most one request may take, retries included
    max_retries: int = 3  # openai: retries of 429, 5xx and dropped connections
    temperature: float = 0.8

    def __post_init__(self) -> None:
        if self.kind not in ("template", "openai", "hf"):
            raise TeacherConfigError(f"Unknown teacher kind {self.kind!r}; use template, openai or hf.")
        if self.kind == "openai":
            _check_url(self.base_url)
            if not (self.model or "").strip():
                raise TeacherConfigError(
                    "Name the model the server should use (for vLLM: the model you served)."
                )
        if self.kind == "hf" and not (self.model or "").strip():
            raise TeacherConfigError("Name the local teacher model: a Hugging Face id or a model folder.")
        if self.api_key_env:
            _check_env_name(self.api_key_env)
        if not 1 <= self.timeout_s <= 3600 or not 0 <= self.max_retries <= 10:
            raise TeacherConfigError("Allow each request 1 to 3600 seconds and 0 to 10 retries.")

    @property
    def label(self) -> str:
        """What examples record as their teacher: `template`, `openai:MODEL@HOST`, `hf:MODEL`."""
        if self.kind == "openai":
            return f"openai:{self.model}@{urlparse(self.base_url or '').netloc}"
        return "template" if self.kind == "template" else f"hf:{self.model}"

    @property
    def description(self) -> str:
        if self.kind == "template":
            return "the offline template teacher (no model, for demos and tests)"
        if self.kind == "openai":
            return f"{self.model} at {self.base_url}"
        return f"the local model {self.model}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TeacherConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def saved_teacher(store: Store) -> TeacherConfig:
    """The teacher last used in this workspace; the offline template teacher when none was configured."""
    stored = store.get_setting(TEACHER_SETTING)
    try:
        return TeacherConfig.from_dict(stored) if isinstance(stored, dict) else TeacherConfig()
    except (TeacherConfigError, TypeError):
        return TeacherConfig()


def _check_url(url: str | None) -> None:
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise TeacherConfigError(
            f"The teacher's address {url!r} is not a web address; write it like http://127.0.0.1:8000/v1."
        )


def _check_env_name(name: str) -> None:
    if KEY_LIKE.search(name) and not name.isupper():
        raise TeacherConfigError(
            "That looks like an API key itself. Put the key in an environment variable (for example "
            "export OPENAI_API_KEY=...) and enter only the variable's NAME here, so the key is never stored."
        )
    if not ENV_NAME.match(name):
        raise TeacherConfigError(
            f"{name!r} is not an environment variable name; use letters, digits and _ (e.g. OPENAI_API_KEY)."
        )


def normalise_base_url(url: str) -> str:
    """An address without a path gets /v1, which is where vLLM, Ollama and OpenAI serve the API."""
    url = url.strip().rstrip("/")
    return url + "/v1" if urlparse(url).path in ("", "/") else url


def parse_teacher(
    value: str,
    model: str | None = None,
    api_key_env: str | None = None,
    *,
    stream: bool = False,
    timeout_s: float = 120.0,
) -> TeacherConfig:
    """`template`, `hf:MODEL`, or a server URL (with `model`), as `tutor-studio generate --teacher` takes it."""
    value = value.strip()
    if value in ("", "template"):
        return TeacherConfig()
    if value.startswith("hf:"):
        return TeacherConfig(kind="hf", model=value[3:] or model, stream=stream)
    if value.startswith(("http://", "https://")):
        return TeacherConfig(
            kind="openai", base_url=normalise_base_url(value), model=model, api_key_env=api_key_env,
            stream=stream, timeout_s=timeout_s,
        )  # fmt: skip
    raise TeacherConfigError(
        f"--teacher {value!r} is not understood: use template, a server address such as "
        "http://127.0.0.1:8000/v1 (with --model), or hf:MODEL for a local model."
    )


def discover_model(base_url: str, api_key_env: str | None = None) -> str:
    """The model a server offers when it offers exactly one (vLLM serving one model); else say which exist."""
    from core.inference.openai_backend import OpenAICompatibleBackend

    with OpenAICompatibleBackend(
        normalise_base_url(base_url), model="", api_key_env=api_key_env, timeout_s=15
    ) as backend:
        models = backend.list_models()
    if len(models) == 1:
        return models[0]
    offered = ", ".join(models[:10]) if models else "none"
    raise TeacherConfigError(
        f"Name the teacher model (--model NAME); the server at {base_url} offers: {offered}."
    )


def check_api_key(config: TeacherConfig) -> None:
    """Fail early, with the fix, when the named environment variable holds no key."""
    if config.kind == "openai" and config.api_key_env and not os.environ.get(config.api_key_env, "").strip():
        raise TeacherConfigError(
            f"The environment variable {config.api_key_env} is not set here. Set it to your API key "
            f"(export {config.api_key_env}=...) before starting the studio, or clear the field for a server "
            "that needs no key."
        )


def build_teacher(config: TeacherConfig, workspace: Workspace, *, concurrency: int = 8) -> Teacher:
    """The teacher for a config; an hf teacher's model is loaded once per process and shared."""
    if config.kind == "template":
        from core.generate.template import TemplateTeacher

        return TemplateTeacher()
    if config.kind == "openai":
        from core.inference.openai_backend import OpenAICompatibleBackend

        backend = OpenAICompatibleBackend(
            config.base_url or "",
            model=config.model or "",
            api_key_env=config.api_key_env,
            timeout_s=config.timeout_s,
            max_retries=config.max_retries,
            read_timeout_s=min(60.0, config.timeout_s),
            max_concurrency=max(1, concurrency),
        )
        return ModelTeacher(backend, config.label, stream=config.stream, temperature=config.temperature)
    return ModelTeacher(
        _hf_backend(config.model or "", workspace),
        config.label,
        stream=config.stream,
        temperature=config.temperature,
    )


def _hf_backend(model: str, workspace: Workspace) -> Any:
    from core.inference.transformers_backend import TransformersBackend

    with _HF_LOCK:
        if model not in _HF_BACKENDS:
            _HF_BACKENDS[model] = TransformersBackend(workspace, base=model)
        return _HF_BACKENDS[model]


def close_teacher(teacher: Teacher) -> None:
    """Release an HTTP teacher's connections (a local model stays loaded for the next use)."""
    close = getattr(getattr(teacher, "backend", None), "close", None)
    if callable(close):
        close()
