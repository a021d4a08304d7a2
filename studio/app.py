"""build_app(ctx) -> gr.Blocks: the header, the stage tabs in pipeline order, and the Jobs panel.

    tutor-studio serve            # what `make studio` runs
    python -m studio.app          # the same, for development

Each stage's tab lives in studio/tabs/<name>.py and is added to TABS once the stage is built.
"""

from __future__ import annotations

import html
import importlib
import logging
from pathlib import Path

import gradio as gr

from core.models.spec import base_summary
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


def header_html(ctx: AppContext) -> str:
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
        '<div class="ts-header" id="studio-header">'
        '<div class="ts-title"><h1>Tutor Studio</h1>'
        '<p class="ts-muted">Turn your course material into a small tutor model that guides students with '
        f"questions instead of handing out answers. Work left to right: {html.escape(stages)}.</p></div>"
        f'<div class="ts-chips">{chip_html}</div>{warning}</div>'
    )


def build_app(ctx: AppContext) -> gr.Blocks:
    with gr.Blocks(title="Tutor Studio", analytics_enabled=False) as demo:
        gr.HTML(header_html(ctx), elem_id="header")
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
) -> gr.Blocks:
    """Serve the studio. Only the workspace's export folder is downloadable; the store never is."""
    demo = build_app(ctx)
    ws = ctx.workspace
    demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        max_file_size=max_file_size,
        allowed_paths=[str(ws.exports_dir)],
        blocked_paths=[
            str(ws.db_path),
            f"{ws.db_path}-wal",
            f"{ws.db_path}-shm",
            str(ws.jobs_dir),
            str(ws.hf_home),
        ],
        prevent_thread_lock=not block,
        show_error=True,
        quiet=True,
        footer_links=["api"],
        theme=gr.themes.Soft(primary_hue="indigo", secondary_hue="amber"),
        css_paths=[ASSETS / "studio.css"],
    )
    return demo


if __name__ == "__main__":
    from core.cli import main

    raise SystemExit(main(["serve"]))
