"""build_app(ctx) -> gr.Blocks: the header, the stage tabs in pipeline order, and the Jobs panel.

    tutor-studio serve            # what `make studio` runs
    python -m studio.app          # the same, for development

Each stage's tab is the package studio/tabs/<name>/ and is added to TABS once the stage is built.
"""

from __future__ import annotations

import html
import importlib
import logging
from pathlib import Path

import gradio as gr

from core.doctor import gather_report, health_status, report_lines
from core.models.spec import base_summary
from core.paths import Workspace
from core.web import HEALTH_PATH
from studio import jobs_panel
from studio.context import AppContext

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
# Pipeline order. A stage appears here once it is built: no placeholder tabs.
TABS: tuple[tuple[str, str], ...] = (
    ("Documents", "documents"),
    ("Generate", "generate"),
    ("Review", "review"),
    ("Train", "train"),
    ("Evaluate", "evaluate"),
    ("Compare", "compare"),
    ("Deploy", "deploy"),
)
DEFAULT_MAX_FILE_SIZE = "200mb"


def header_tooltip(ctx: AppContext, root_path: str = "") -> str:
    """`tutor-studio doctor`'s facts, shown when the pointer rests on the header (the hub is not asked)."""
    report = gather_report(
        ctx.workspace,
        ctx.store,
        root_path_flag=root_path,
        check_hub=False,
        hardware=ctx.hardware,
        base=ctx.base,
    )
    return "\n".join([*report_lines(report), "More: tutor-studio doctor"])


def header_html(ctx: AppContext, tooltip: str = "") -> str:
    base = ctx.base
    chips = [
        ("Base model", base_summary(base, ctx.hardware)),
        ("Device", ctx.hardware.name),
        ("Workspace", str(ctx.workspace.root)),
    ]
    chip_html = "".join(
        f'<span class="ts-chip"><b>{html.escape(label)}</b> {html.escape(value)}</span>'
        for label, value in chips
    )
    stages = (
        " → ".join(label for label, _ in TABS) or "Documents → Generate → Review → Train → Evaluate → Compare"
    )
    warning = ""
    if base.is_fallback:
        warning = f'<div class="ts-warning" id="base-fallback">{html.escape(base.reason or "")}</div>'
    return (
        f'<div class="ts-header" id="studio-header" title="{html.escape(tooltip)}">'
        '<div class="ts-title"><h1>Tutor Studio</h1>'
        '<p class="ts-muted">Turn your course material into a small tutor model that guides students with '
        f"questions instead of handing out answers. Work left to right: {html.escape(stages)}.</p></div>"
        f'<div class="ts-chips">{chip_html}</div>{warning}</div>'
    )


def build_app(ctx: AppContext, root_path: str = "") -> gr.Blocks:
    with gr.Blocks(title="Tutor Studio", analytics_enabled=False) as demo:
        gr.HTML(header_html(ctx, header_tooltip(ctx, root_path)), elem_id="header")
        if TABS:  # the front end cannot render an empty gr.Tabs
            with gr.Tabs(elem_id="stage-tabs"):
                for label, module_name in TABS:
                    module = importlib.import_module(f"studio.tabs.{module_name}")
                    with gr.Tab(label, id=module_name, elem_id=f"tab-{module_name}"):
                        module.build(ctx)
        jobs_panel.build(ctx, demo)
    demo.queue(default_concurrency_limit=8)
    return demo


def launch(
    ctx: AppContext,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: list[tuple[str, str]] | None = None,
    max_file_size: str | int = DEFAULT_MAX_FILE_SIZE,
    block: bool = True,
    root_path: str = "",
) -> gr.Blocks:
    """Serve the studio. Only the workspace's export folder is downloadable; the store never is.

    `root_path` is the path prefix of a reverse proxy in front (a notebook's /proxy/7860): the studio still
    answers at /, and gradio writes the prefix into every link, upload, download and queue URL it sends."""
    demo = build_app(ctx, root_path)
    demo.launch(
        server_name=host,
        server_port=port,
        root_path=root_path,
        auth=auth,
        max_file_size=max_file_size,
        allowed_paths=[str(ctx.workspace.exports_dir)],
        blocked_paths=private_paths(ctx.workspace),
        prevent_thread_lock=True,  # the health route is added once the app exists, then we block
        show_error=True,
        quiet=True,
        footer_links=["api"],
        theme=gr.themes.Soft(primary_hue="indigo", secondary_hue="amber"),
        css_paths=[ASSETS / "studio.css"],
    )
    add_health_route(demo, ctx)
    if block:
        demo.block_thread()
    return demo


def private_paths(ws: Workspace) -> list[str]:
    """What a browser may never download: the store (with its WAL files), job logs and the model cache."""
    return [str(ws.db_path), f"{ws.db_path}-wal", f"{ws.db_path}-shm", str(ws.jobs_dir), str(ws.hf_home)]


def add_health_route(demo: gr.Blocks, ctx: AppContext) -> None:
    """GET /healthz for Kubernetes probes and proxies: JSON, no sign-in (it says nothing private)."""
    from fastapi.responses import JSONResponse

    def healthz() -> JSONResponse:
        status, body = health_status(ctx.store)
        return JSONResponse(body, status_code=status)

    demo.app.add_api_route(HEALTH_PATH, healthz, methods=["GET"], include_in_schema=False)


if __name__ == "__main__":
    from core.cli import main

    raise SystemExit(main(["serve"]))
