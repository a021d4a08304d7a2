"""The OpenAI export: the adapter's training data in OpenAI's fine-tuning format, and (with an API key)
a hosted fine-tuning job on any OpenAI-compatible fine-tuning API, followed to its end.

    files = write_openai_files(store, subject, folder)          # train.jsonl (+ validation, preference files)
    hosted = HostedConfig(api_key_env="OPENAI_API_KEY", model="gpt-4.1-mini-2025-04-14")
    job = start_hosted_job(hosted, folder, files)               # POST /files (x2), POST /fine_tuning/jobs
    job = follow_hosted_job(hosted, job["id"], on_status)       # GET /fine_tuning/jobs/{id} until it ends

A supervised adapter ships its SFT dataset (`{"messages": [...]}` lines); a preference-tuned one its
preference pairs in OpenAI's DPO format (`{"input": {"messages": [...]}, "preferred_output": [...],
"non_preferred_output": [...]}`) and starts a DPO job. Every line is checked against the format's rules
first. The key is read from the named environment variable at call time and never written anywhere.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from core.deploy.subject import PREFERENCE_METHODS, ExportError, ExportSubject
from core.review.records import Dataset, get_dataset
from core.store import Store
from core.train.pairs_data import read_pairs

DEFAULT_API = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4.1-mini-2025-04-14"
FINISHED = ("succeeded", "failed", "cancelled")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ROLES = ("system", "user", "assistant")
TIMEOUT_S = 60.0


class HostedConfig(BaseModel):
    """Where and what to fine-tune on a hosted, OpenAI-compatible service (the Deploy tab's OpenAI options)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_base: str = Field(default=DEFAULT_API, description="Any OpenAI-compatible fine-tuning API.")
    api_key_env: str = Field(
        default="OPENAI_API_KEY",
        description="The NAME of the environment variable holding the key; the key itself is never stored.",
    )
    model: str = Field(default=DEFAULT_MODEL, description="A model the service can fine-tune.")
    suffix: str = Field(default="tutor", description="Added to the fine-tuned model's name.")
    poll_s: float = Field(default=15.0, description="Seconds between status checks of the hosted job.")

    def checked(self) -> HostedConfig:
        if not re.match(r"^https?://", self.api_base.strip()):
            raise ExportError(
                "API address: give the fine-tuning API's address, e.g. https://api.openai.com/v1."
            )
        if not ENV_NAME.match(self.api_key_env.strip()):
            raise ExportError(
                "API key variable: give the NAME of an environment variable (e.g. OPENAI_API_KEY), not the key."
            )
        if not os.environ.get(self.api_key_env.strip()):
            raise ExportError(
                f"The environment variable {self.api_key_env} is not set here. Set it to your API key where the "
                "studio runs (it is read when needed, never stored), then start again."
            )
        if not self.model.strip():
            raise ExportError("Model: name the hosted model to fine-tune, e.g. gpt-4.1-mini-2025-04-14.")
        return self.model_copy(
            update={
                "api_base": self.api_base.strip().rstrip("/"),
                "api_key_env": self.api_key_env.strip(),
                "model": self.model.strip(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {os.environ.get(self.api_key_env, '')}"}


def write_openai_files(store: Store, subject: ExportSubject, folder: Path) -> dict[str, str]:
    """The training files for the hosted job; returns {"method", "training_file", "validation_file"?}."""
    adapter = subject.adapter
    if adapter.method in PREFERENCE_METHODS:
        dataset = _dataset(store, _preference_dataset_id(store, adapter.run_id))
        lines = {
            split: [dpo_line(p) for p in read_pairs(dataset, split)] for split in ("train", "validation")
        }
        method = "dpo"
    else:
        dataset = _dataset(store, adapter.dataset_id)
        lines = {split: _chat_lines(dataset, split) for split in ("train", "validation")}
        method = "supervised"
    if not lines["train"]:
        raise ExportError(f"{dataset.id} has no training lines to upload.")
    written = {"method": method, "dataset": dataset.id}
    for split, records in lines.items():
        if records:
            name = f"{split}.jsonl"
            for number, record in enumerate(records, 1):
                check_line(record, method, f"{name}, line {number}")
            (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
            written[f"{'training' if split == 'train' else 'validation'}_file"] = name
    (folder / "README.md").write_text(readme(subject, written), encoding="utf-8")
    return written


def _preference_dataset_id(store: Store, run_id: str | None) -> str | None:
    row = store.query_one("SELECT dataset_id FROM runs WHERE id = ?", (run_id,)) if run_id else None
    return row["dataset_id"] if row else None


def _dataset(store: Store, dataset_id: str | None) -> Dataset:
    dataset = get_dataset(store, dataset_id or "") if dataset_id else None
    if dataset is None:
        raise ExportError(
            f"The dataset version {dataset_id} this adapter learnt from is no longer in the workspace."
        )
    return dataset


def _chat_lines(dataset: Dataset, split: str) -> list[dict[str, Any]]:
    path = dataset.split_path(split)  # type: ignore[arg-type]
    if not path.is_file():
        return []
    return [
        {"messages": json.loads(line)["messages"]} for line in path.read_text().splitlines() if line.strip()
    ]


def dpo_line(pair: dict[str, Any]) -> dict[str, Any]:
    return {
        "input": {"messages": pair["prompt"]},
        "preferred_output": pair["chosen"],
        "non_preferred_output": pair["rejected"],
    }


def check_line(record: dict[str, Any], method: str, where: str) -> None:
    """OpenAI's rules for one line: roles, non-empty text, and a tutor (assistant) reply to learn."""
    messages = record["messages"] if method == "supervised" else record["input"]["messages"]
    _check_messages(messages, where)
    if method == "supervised" and not any(m["role"] == "assistant" for m in messages):
        raise ExportError(f"{where}: no assistant message to learn from.")
    if method == "dpo":
        for key in ("preferred_output", "non_preferred_output"):
            _check_messages(record[key], f"{where} ({key})")
        if messages[-1]["role"] != "user":
            raise ExportError(f"{where}: the input must end with a user message.")


def _check_messages(messages: Any, where: str) -> None:
    if not isinstance(messages, list) or not messages:
        raise ExportError(f"{where}: needs a non-empty list of messages.")
    for message in messages:
        if set(message) != {"role", "content"} or message["role"] not in ROLES:
            raise ExportError(f"{where}: each message needs exactly a role ({', '.join(ROLES)}) and content.")
        if not isinstance(message["content"], str) or not message["content"].strip():
            raise ExportError(f"{where}: a message has empty content.")


def start_hosted_job(hosted: HostedConfig, folder: Path, files: dict[str, str]) -> dict[str, Any]:
    """Upload the files and create the fine-tuning job; returns the job object the API answered."""
    with httpx.Client(timeout=TIMEOUT_S, headers=hosted.headers) as client:
        uploaded: dict[str, str] = {
            key: _upload(client, hosted, folder / files[key])
            for key in ("training_file", "validation_file")
            if key in files
        }
        body: dict[str, Any] = {"model": hosted.model, "suffix": hosted.suffix, **uploaded}
        body["method"] = {"type": files["method"]}
        job = _json(
            client.post(f"{hosted.api_base}/fine_tuning/jobs", json=body), "create the fine-tuning job"
        )
    return job | {"uploaded": uploaded}


def _upload(client: httpx.Client, hosted: HostedConfig, path: Path) -> str:
    response = client.post(
        f"{hosted.api_base}/files",
        data={"purpose": "fine-tune"},
        files={"file": (path.name, path.read_bytes(), "application/jsonl")},
    )
    return str(_json(response, f"upload {path.name}")["id"])


def hosted_status(hosted: HostedConfig, job_id: str) -> dict[str, Any]:
    with httpx.Client(timeout=TIMEOUT_S, headers=hosted.headers) as client:
        return _json(client.get(f"{hosted.api_base}/fine_tuning/jobs/{job_id}"), "read the job's status")


def cancel_hosted_job(hosted: HostedConfig, job_id: str) -> dict[str, Any]:
    with httpx.Client(timeout=TIMEOUT_S, headers=hosted.headers) as client:
        return _json(client.post(f"{hosted.api_base}/fine_tuning/jobs/{job_id}/cancel"), "cancel the job")


def follow_hosted_job(
    hosted: HostedConfig,
    job_id: str,
    on_status: Callable[[dict[str, Any]], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    """Poll the job until it succeeds, fails or is cancelled (or we are asked to stop following)."""
    while True:
        job = hosted_status(hosted, job_id)
        on_status(job)
        if job.get("status") in FINISHED or should_stop():
            return job
        deadline = time.monotonic() + hosted.poll_s
        while time.monotonic() < deadline and not should_stop():
            time.sleep(min(0.2, hosted.poll_s))


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code >= 400:
        try:
            detail = response.json().get("error", {}).get("message") or response.text
        except ValueError:
            detail = response.text
        hint = " Check the API key variable." if response.status_code in (401, 403) else ""
        raise ExportError(f"Couldn't {what}: HTTP {response.status_code} ({str(detail)[:200]}).{hint}")
    try:
        data = response.json()
    except ValueError as exc:
        raise ExportError(f"Couldn't {what}: the server's answer is not JSON.") from exc
    if not isinstance(data, dict):
        raise ExportError(f"Couldn't {what}: unexpected answer {str(data)[:100]}.")
    return data


def readme(subject: ExportSubject, written: dict[str, str]) -> str:
    kind = "preference pairs (DPO)" if written["method"] == "dpo" else "tutoring conversations (supervised)"
    return "\n".join(
        [
            f"# {subject.adapter.id}: data for hosted fine-tuning",
            "",
            f"`{written['training_file']}` holds the {kind} from `{written['dataset']}` in OpenAI's fine-tuning format"
            + (
                f"; `{written['validation_file']}` the validation split."
                if "validation_file" in written
                else "."
            ),
            "",
            "Upload and start a job with any OpenAI-compatible fine-tuning API (the Deploy tab does this for you",
            "when an API key variable is set):",
            "",
            "```sh",
            f'curl $API/files -H "Authorization: Bearer $OPENAI_API_KEY" -F purpose=fine-tune -F file=@{written["training_file"]}',
            f'curl $API/fine_tuning/jobs -H "Authorization: Bearer $OPENAI_API_KEY" -H "Content-Type: application/json" '
            f'-d \'{{"model": "{DEFAULT_MODEL}", "training_file": "FILE_ID", "method": {{"type": "{written["method"]}"}}}}\'',
            "```",
            "",
        ]
    )
