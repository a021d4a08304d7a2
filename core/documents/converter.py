"""Docling conversion: one converter per process (a warm conversion job reuses it), the PDF pipeline
chosen once, and a time limit per document.

    conversion = convert_file(path, "pdf", "lesson.pdf", progress=ctx.progress)
    conversion.document, conversion.pipeline, conversion.pages, conversion.warning

PDF: the standard pipeline (layout model, tables, OCR off) when its weights are in the hub cache or
the hub can be reached; otherwise the model-free native pipeline, whose line-per-item output is
regrouped by core/documents/pdf_repair.py, with a warning the Documents tab shows. HTML is converted
without fetching anything it references (images, styles), remote or local.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.documents.formats import FileKind, decode_text
from core.models.spec import hub_offline

log = logging.getLogger(__name__)

PipelineName = Literal["standard-pdf", "native-pdf", "simple"]
ProgressCallback = Callable[[float, float | None, str], None]
HUB_PROBE_TIMEOUT_S = 2.0
LAYOUT_REPO_PREFIX = "models--docling-project--docling-layout"
NATIVE_PDF_WARNING = (
    "Read as plain text: Docling's PDF layout model {why}, so headings were guessed from font sizes and "
    "tables may be lost or flattened. Check its chunks before generating."
)
SUB_TAG = re.compile(r"<sub>\s*([0-9+\-=()]{1,8})\s*</sub>", re.IGNORECASE)
SUP_TAG = re.compile(r"<sup>\s*([0-9+\-=()]{1,8})\s*</sup>", re.IGNORECASE)
SUBSCRIPTS = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
SUPERSCRIPTS = str.maketrans("0123456789+-=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾")
TEXT_KINDS: dict[FileKind, str] = {"markdown": "document.md", "text": "document.md", "html": "document.html"}


class ConversionFailed(RuntimeError):
    """Docling could not convert a document; the message says so in plain words."""


class ConversionTimeout(ConversionFailed):
    """The conversion ran past its time limit."""


@dataclass(frozen=True)
class PdfChoice:
    pipeline: PipelineName
    format_option: Any
    warning: str | None


@dataclass(frozen=True)
class Conversion:
    document: Any  # docling_core DoclingDocument
    pipeline: PipelineName
    pages: int | None
    warning: str | None


_lock = threading.Lock()
_converter: tuple[Any, PdfChoice] | None = None


def convert_file(
    path: Path,
    kind: FileKind,
    name: str,
    *,
    progress: ProgressCallback | None = None,
    timeout_s: float | None = None,
) -> Conversion:
    """Convert one stored file; raises ConversionFailed (or ConversionTimeout) with a readable message."""
    converter, pdf = get_converter(progress)
    with time_limit(timeout_s, name):
        try:
            result = converter.convert(
                _source(path, kind), raises_on_error=False, progress_callback=_progress_adapter(progress)
            )
        except ConversionTimeout:
            raise
        except Exception as exc:
            raise ConversionFailed(_failure_message(name, str(exc))) from exc
    return _conversion_from(result, kind, name, pdf)


def _conversion_from(result: Any, kind: FileKind, name: str, pdf: PdfChoice) -> Conversion:
    from docling.datamodel.base_models import ConversionStatus

    errors = "; ".join(error.error_message for error in result.errors)
    if result.status not in (ConversionStatus.SUCCESS, ConversionStatus.PARTIAL_SUCCESS):
        raise ConversionFailed(_failure_message(name, errors or str(result.status.value)))
    document, warning = result.document, None
    pipeline: PipelineName = "simple"
    if kind == "pdf":
        pipeline, warning = pdf.pipeline, pdf.warning
        if pipeline == "native-pdf":
            from core.documents.pdf_repair import repair_native_document

            document = repair_native_document(document)
    if result.status == ConversionStatus.PARTIAL_SUCCESS:
        warning = " ".join(
            filter(None, [warning, f"Parts of it could not be read: {errors or 'unknown reason'}."])
        )
    pages = result.input.page_count if kind == "pdf" else document.num_pages()
    return Conversion(document=document, pipeline=pipeline, pages=pages or None, warning=warning)


def _failure_message(name: str, detail: str) -> str:
    return (
        f"Docling could not read {name} ({detail}). If the file opens normally in its program, save or export "
        "it again (for example as PDF) and upload that copy."
    )


def _source(path: Path, kind: FileKind) -> Any:
    """Text files go in as UTF-8 (with a BOM for HTML, so its parser cannot guess another encoding)."""
    if kind not in TEXT_KINDS:
        return path
    from docling.datamodel.base_models import DocumentStream

    text = decode_text(path.read_bytes())
    if kind == "html":
        text = "\ufeff" + inline_scripts(text)
    data = text.encode("utf-8")
    return DocumentStream(name=TEXT_KINDS[kind], stream=io.BytesIO(data))


def inline_scripts(html: str) -> str:
    """<sub>2</sub> -> ₂ and <sup>2</sup> -> ²: Docling would print them as separate words ("CO 2")."""
    html = SUB_TAG.sub(lambda m: m.group(1).translate(SUBSCRIPTS), html)
    return SUP_TAG.sub(lambda m: m.group(1).translate(SUPERSCRIPTS), html)


def _progress_adapter(progress: ProgressCallback | None) -> Callable[[Any], None] | None:
    if progress is None:
        return None

    def on_event(event: Any) -> None:
        completed, total = getattr(event, "completed_pages", None), getattr(event, "total_pages", None)
        if completed is not None and total:
            progress(completed, total, f"Reading page {completed} of {total}")

    return on_event


def get_converter(progress: ProgressCallback | None = None) -> tuple[Any, PdfChoice]:
    """This process's converter (built on first use, then reused by every conversion it runs)."""
    global _converter
    with _lock:
        if _converter is None:
            pdf = choose_pdf_pipeline(progress)
            _converter = (_build_converter(pdf.format_option), pdf)
        return _converter


def _build_converter(pdf_option: Any) -> Any:
    from docling.datamodel.backend_options import HTMLBackendOptions
    from docling.datamodel.base_models import InputFormat
    from docling.document_converter import DocumentConverter, HTMLFormatOption

    no_fetching = HTMLBackendOptions.model_validate(
        {"fetch_images": False, "enable_remote_fetch": False, "enable_local_fetch": False}
    )
    return DocumentConverter(
        allowed_formats=[
            InputFormat.PDF,
            InputFormat.DOCX,
            InputFormat.PPTX,
            InputFormat.XLSX,
            InputFormat.HTML,
            InputFormat.MD,
        ],
        format_options={
            InputFormat.PDF: pdf_option,
            InputFormat.HTML: HTMLFormatOption(backend_options=no_fetching),
        },
    )


def choose_pdf_pipeline(progress: ProgressCallback | None = None) -> PdfChoice:
    """The standard pipeline when its weights are cached or downloadable now, else the native one."""
    cached = standard_weights_cached()
    online = not cached and hub_reachable()
    if cached or online:
        if online and progress:
            progress(0, None, "Downloading Docling's PDF layout model (first use only)")
        try:
            return PdfChoice("standard-pdf", _ready_standard_option(offline=cached), None)
        except Exception as exc:  # missing extras, a half-finished download, an incompatible model
            log.warning("standard PDF pipeline unavailable, using the native one: %r", exc)
            return _native_choice("failed to load")
    return _native_choice("is not downloaded and the Hugging Face hub cannot be reached")


def _native_choice(why: str) -> PdfChoice:
    from docling.datamodel.pipeline_options import NativePdfPipelineOptions
    from docling.document_converter import NativePdfFormatOption

    options = NativePdfPipelineOptions(generate_page_images=False, generate_picture_images=False)
    return PdfChoice(
        "native-pdf", NativePdfFormatOption(pipeline_options=options), NATIVE_PDF_WARNING.format(why=why)
    )


def _ready_standard_option(*, offline: bool) -> Any:
    """A standard-pipeline format option whose models are loaded (downloading them unless `offline`)."""
    from docling.datamodel.base_models import InputFormat
    from docling.datamodel.pipeline_options import PdfPipelineOptions
    from docling.document_converter import DocumentConverter, PdfFormatOption

    options = PdfPipelineOptions(do_ocr=False, do_table_structure=True, generate_page_images=False)
    option = PdfFormatOption(pipeline_options=options)
    with _hub_offline(offline):
        DocumentConverter(
            allowed_formats=[InputFormat.PDF], format_options={InputFormat.PDF: option}
        ).initialize_pipeline(InputFormat.PDF)
    return option


@contextlib.contextmanager
def _hub_offline(offline: bool) -> Iterator[None]:
    """Make huggingface_hub use only its cache for the block (it reads this constant per request)."""
    if not offline:
        yield
        return
    from huggingface_hub import constants

    previous = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = previous


def standard_weights_cached() -> bool:
    """True when Docling's layout model is in the hub cache or a Docling artifacts folder is set."""
    if os.environ.get("DOCLING_ARTIFACTS_PATH"):
        return True
    from huggingface_hub import constants

    cache = Path(constants.HF_HUB_CACHE)
    return any(any((repo / "snapshots").glob("*/*")) for repo in cache.glob(f"{LAYOUT_REPO_PREFIX}*"))


def hub_reachable(timeout_s: float = HUB_PROBE_TIMEOUT_S) -> bool:
    """True when downloads are allowed and the hub answers within `timeout_s` (never a long hang)."""
    if hub_offline():
        return False
    import httpx
    from huggingface_hub import constants

    try:
        httpx.head(constants.ENDPOINT, timeout=timeout_s, follow_redirects=False)
    except httpx.HTTPError:
        return False
    return True


ALARM_REPEAT_S = 1.0  # how often the time-limit alarm fires again after the first one went unheard


class _Expired(BaseException):
    """Raised by the alarm; a BaseException so that Docling's `except Exception` cannot swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float | None, name: str) -> Iterator[None]:
    """Raise ConversionTimeout in this (main) thread after `seconds`; a no-op elsewhere or without a limit."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    expired = False
    finished = False

    def expire(_signum: int, _frame: Any) -> None:
        nonlocal expired
        if finished:
            return
        expired = True
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        # The alarm repeats: its exception is lost when it lands inside a garbage-collector callback or a
        # finaliser (Python only reports it as "unraisable"), and a single alarm would then never stop the work.
        signal.setitimer(signal.ITIMER_REAL, seconds, ALARM_REPEAT_S)
        yield
    except BaseException:
        # The alarm's exception can also be turned into another one by a library's own error handling;
        # the flag, not the exception, says whether time ran out.
        if not expired:
            raise
    finally:
        finished = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if expired:
        raise ConversionTimeout(
            f"Converting {name} (reading it and cutting it into chunks) took longer than the {seconds:g} s "
            "limit for one document. Split it into smaller files (for example one per chapter) and upload those."
        )
