"""Run a parity check: in-process (the CLI), or as a background job the Deploy tab follows.

    report = check_parity(store, ws, ParityConfig(adapter_id=adapter_id, server_url="http://127.0.0.1:8000/v1"))
    job = submit_parity(store, ws, config)          # loads the model in the job: GPU queue
    saved = save_parity(store, ws, report, job_id)  # exports/parity/<id>.json + a parity_checks row

The studio side is a TransformersBackend on the adapter's base (one copy of the weights, the adapter
switched per row of the batch); callers that already hold one (tests, the bench) pass it in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.deploy.batch_leak import ask_server, check_batch_leak
from core.deploy.parity import (
    ParityConfig,
    ParityReport,
    ParityRow,
    compare_replies,
    parity_prompts,
    server_problem,
    studio_replies,
    studio_variants,
    verdict_of,
)
from core.deploy.records import insert_parity
from core.deploy.subject import ExportError
from core.deploy.vllm import served_model_name
from core.inference.backend import ChatBackend, GenerationConfig, InferenceError
from core.inference.openai_backend import OpenAICompatibleBackend
from core.jobs import GPU, Job, submit_job
from core.models.loading import DtypeChoice
from core.models.spec import resolve_base
from core.paths import Workspace, write_atomic
from core.store import Store
from core.train.records import Adapter, get_adapter

if TYPE_CHECKING:
    from core.jobs.runner import JobContext

Progress = Callable[[int, int, str], None]


def check_parity(
    store: Store,
    workspace: Workspace,
    config: ParityConfig,
    studio: ChatBackend | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> ParityReport:
    adapter = _adapter(store, config.adapter_id)
    server = OpenAICompatibleBackend(
        config.server_url, model=config.model, api_key_env=config.api_key_env or None, timeout_s=120.0
    )
    try:
        problem = server_problem(server, config.model)
        if problem:
            return ParityReport.of(adapter.id, config.server_url, config.model, "unreachable", [], problem)
        return _compare(store, workspace, config, adapter, server, studio, progress, should_stop)
    finally:
        server.close()


def _compare(
    store: Store,
    workspace: Workspace,
    config: ParityConfig,
    adapter: Adapter,
    server: OpenAICompatibleBackend,
    studio: ChatBackend | None,
    progress: Progress | None,
    should_stop: Callable[[], bool],
) -> ParityReport:
    prompts = parity_prompts(store, adapter, config.max_prompts, config.include_probes)
    if not prompts:
        raise ExportError(
            "Nothing to check with: the adapter's dataset has no test split; turn on the probes."
        )
    studio = studio or _studio_backend(workspace, adapter, config.dtype)
    variants = studio_variants(store, adapter)
    generation = GenerationConfig(max_new_tokens=config.max_new_tokens, temperature=0.0)
    rows: list[ParityRow] = []
    for index, prompt in enumerate(prompts):
        if should_stop():
            break
        ours = studio_replies(studio, variants, prompt.message, generation)
        theirs = _server_reply(server, prompt.message, generation)
        rows.append(compare_replies(prompt, ours, theirs))
        if progress:
            agreeing = sum(r.agree for r in rows)
            progress(index + 1, len(prompts), f"{index + 1} of {len(prompts)} prompts · {agreeing} identical")
    verdict, message = verdict_of(rows)
    if len(rows) < len(prompts):
        message = f"Stopped after {len(rows)} of {len(prompts)} prompts. {message}"
    report = ParityReport.of(adapter.id, config.server_url, config.model, verdict, rows, message)
    if not rows or should_stop():
        return report
    leak = check_batch_leak(
        config.server_url,
        served_model_name(resolve_base(adapter.base_model, workspace)),
        config.model,
        [(row.prompt.message, row.server) for row in rows],
        generation,
        config.api_key_env or None,
    )
    if not leak.checked:
        return report
    return report.model_copy(
        update={"batch_leak": leak.leaks, "message": f"{message} {leak.message}".strip()}
    )


def _server_reply(server: OpenAICompatibleBackend, message: str, generation: GenerationConfig) -> str:
    try:
        return ask_server(server, message, generation)
    except InferenceError as exc:
        return f"[no reply: {exc}]"


def _studio_backend(workspace: Workspace, adapter: Adapter, dtype: DtypeChoice) -> ChatBackend:
    from core.inference.transformers_backend import TransformersBackend

    base = resolve_base(adapter.base_model, workspace)
    if base.is_fallback:
        raise ExportError(f"{base.reason.split(', so')[0]}: the studio cannot run its side of the check.")
    return TransformersBackend(workspace, base=base, dtype=dtype)


def _adapter(store: Store, adapter_id: str) -> Adapter:
    adapter = get_adapter(store, adapter_id)
    if adapter is None:
        raise ExportError(f"No adapter {adapter_id!r} in this workspace.")
    return adapter


def save_parity(
    store: Store, workspace: Workspace, report: ParityReport, job_id: str | None
) -> tuple[str, Path]:
    """The report as JSON (downloadable from the exports folder) and its row."""
    check_id = insert_parity(
        store,
        adapter_id=report.adapter_id,
        server_url=report.server_url,
        served_model=report.served_model,
        job_id=job_id,
        verdict=report.verdict,
        agreement=report.agreement,
        report_path=None,
        summary={"message": report.message, "causes": report.causes, "prompts": len(report.rows)},
    )
    path = workspace.exports_dir / "parity" / f"{check_id}.json"
    write_atomic(path, json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    store.execute("UPDATE parity_checks SET report_path = ? WHERE id = ?", (str(path), check_id))
    return check_id, path


def read_parity_report(path: str | Path) -> ParityReport:
    return ParityReport.model_validate_json(Path(path).read_text(encoding="utf-8"))


def submit_parity(store: Store, workspace: Workspace, config: ParityConfig) -> Job:
    _adapter(store, config.adapter_id)
    if not config.server_url.strip().startswith(("http://", "https://")):
        raise ExportError(
            "Server URL: give the server's address ending in /v1, e.g. http://127.0.0.1:8000/v1."
        )
    return submit_job(
        store,
        workspace,
        kind="parity",
        title=f"Parity check of {config.adapter_id} against {config.server_url}",
        target="core.deploy.parity_run:parity_job",
        params={"config": config.model_dump(mode="json")},
        resource=GPU,
        grace_s=30.0,
    )


def parity_job(ctx: JobContext) -> dict[str, Any]:
    config = ParityConfig.model_validate(ctx.params["config"])
    ctx.progress(0, None, "Loading the studio's model and asking the server what it serves")
    report = check_parity(
        ctx.store, ctx.workspace, config, progress=ctx.progress, should_stop=ctx.should_stop
    )
    check_id, path = save_parity(ctx.store, ctx.workspace, report, ctx.job_id)
    return {"check_id": check_id, "report": str(path), "verdict": report.verdict, "message": report.message}
