"""The Documents tab's endpoints, driven with gradio_client against a real studio on its own workspace:
upload (good and bad files), conversion progress by polling, detail, chunk edits, delete/restore,
the demo course and re-chunking."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file

from core.documents.records import list_chunks
from core.store import Store
from tests.core.documents import builders
from tests.support.studio_server import StudioProcess

pytestmark = pytest.mark.slow
CONVERT_TIMEOUT_S = 90


@pytest.fixture(scope="module")
def client(fresh_studio: StudioProcess) -> Client:
    return Client(fresh_studio.url, verbose=False)


def documents(client: Client, show_deleted: bool = False) -> dict[str, dict[str, Any]]:
    """The /documents endpoint's records, by file name."""
    return {record["name"]: record for record in client.predict(show_deleted, api_name="/documents")}


def wait_until_ready(client: Client, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + CONVERT_TIMEOUT_S
    while time.monotonic() < deadline:
        record = documents(client).get(name)
        if record is not None and record["status"] in ("ready", "error") and not record["activity"]:
            return record
        time.sleep(0.5)
    raise AssertionError(f"{name} did not finish converting: {documents(client)}")


def detail(client: Client, doc_id: str) -> tuple[Any, ...]:
    return client.predict(doc_id, api_name="/document_detail")


def test_endpoints_are_published(client: Client) -> None:
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    expected = {"/documents", "/upload_documents", "/load_demo_course", "/document_detail", "/select_chunk"}
    expected |= {"/set_chunk_used", "/merge_chunk", "/split_chunk", "/delete_document", "/restore_document"}
    assert expected | {"/rechunk_document", "/save_chunk_size"} <= set(api)


def test_upload_converts_good_files_and_refuses_bad_ones(client: Client, tmp_path: Path) -> None:
    good = builders.make_docx(tmp_path / "volcanoes.docx")
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"plain words, no PDF here")
    notice, _files, selected = client.predict(
        [handle_file(str(good)), handle_file(str(bad))], api_name="/upload_documents"
    )
    assert "1 added, 1 refused" in notice
    assert "notes.pdf: its name says PDF (.pdf), but it actually contains a Text file" in notice
    assert selected["value"].startswith("doc_")
    record = wait_until_ready(client, "volcanoes.docx")
    assert (record["status"], record["type"], record["pages"], record["pipeline"]) == (
        "ready",
        "docx",
        None,
        "simple",
    )
    assert record["chunks"] >= 1 and record["error"] is None and record["warning"] is None
    again, _files, _selected = client.predict([handle_file(str(good))], api_name="/upload_documents")
    assert "1 already there" in again and "not converted again" in again


def test_detail_and_chunk_edits(client: Client, tmp_path: Path, fresh_studio: StudioProcess) -> None:
    path = tmp_path / "forces.md"
    path.write_text(
        "# Forces\n\n## Friction\n\nFriction acts against motion. Rough surfaces give more friction.\n\n"
        "Worked example: 20 N minus 5 N leaves 15 N.\n\n## Gravity\n\nGravity pulls masses together.\n",
        encoding="utf-8",
    )
    client.predict([handle_file(str(path))], api_name="/upload_documents")
    doc_id = wait_until_ready(client, "forces.md")["id"]
    _hint, header, preview, chunk_table, chunk_choice, _notice = detail(client, doc_id)
    assert "forces.md" in header and "Friction acts against motion." in preview
    assert [row[1] for row in chunk_table["value"]["data"]] == ["Forces > Friction", "Forces > Gravity"]
    first = chunk_choice["value"]
    text, used, split_choices = client.predict(first, api_name="/select_chunk")
    assert text.startswith("Forces > Friction") and used["value"] is True
    worked = next(value for label, value in split_choices["choices"] if "Worked example" in label)
    *_, message = client.predict(False, first, api_name="/set_chunk_used")
    assert "will not be used" in message
    _hint, _header, _preview, chunk_table, chunk_choice, message = client.predict(
        first, worked, api_name="/split_chunk"
    )
    assert message.startswith("Split into two chunks")
    rows = chunk_table["value"]["data"]
    assert len(rows) == 3 and rows[0][4] == rows[1][4] == "No"
    *_merged, message = client.predict(chunk_choice["value"], None, api_name="/merge_chunk")
    assert message.startswith("Merged into one chunk")
    store = Store.open(fresh_studio.workspace)  # the edits are in the store, not only on screen
    saved = list_chunks(store, document_ids=[doc_id])
    assert len(saved) == 2 and saved[0].excluded and "Worked example" in saved[0].text


def test_delete_and_restore(client: Client, tmp_path: Path) -> None:
    path = builders.make_markdown(
        tmp_path / "deleted-lesson.md", ["A lesson that will be deleted and restored."]
    )
    client.predict([handle_file(str(path))], api_name="/upload_documents")
    doc_id = wait_until_ready(client, "deleted-lesson.md")["id"]
    assert "Deleted deleted-lesson.md" in client.predict(doc_id, api_name="/delete_document")
    assert "deleted-lesson.md" not in documents(client)
    assert documents(client, show_deleted=True)["deleted-lesson.md"]["status"] == "deleted"
    assert "Restored" in client.predict(doc_id, api_name="/restore_document")
    assert documents(client)["deleted-lesson.md"]["status"] == "ready"


def test_demo_course_loads_once_and_rechunks(client: Client) -> None:
    notice, selected = client.predict(api_name="/load_demo_course")
    assert "5 added" in notice and selected["value"].startswith("doc_")
    for name in (
        "fractions.md",
        "newtons_laws.docx",
        "ohms_law.pdf",
        "photosynthesis.html",
        "water_cycle.pptx",
    ):
        wait_until_ready(client, name)
    pdf = documents(client)["ohms_law.pdf"]
    assert pdf["pages"] == 2 and pdf["pipeline"] == "native-pdf" and "tables may be lost" in pdf["warning"]
    again, _selected = client.predict(api_name="/load_demo_course")
    assert "5 already there" in again
    fractions = documents(client)["fractions.md"]
    assert "chunks of about 80 tokens" in client.predict(fractions["id"], 80, api_name="/rechunk_document")
    time.sleep(1)
    assert wait_until_ready(client, "fractions.md")["chunks"] > fractions["chunks"]


def test_chunk_size_is_saved_and_bad_sizes_refused(client: Client) -> None:
    assert "about 200 tokens" in client.predict(200, api_name="/save_chunk_size")
    with pytest.raises(Exception, match="greater than maximum value 1000"):
        client.predict(5000, api_name="/save_chunk_size")
    client.predict(350, api_name="/save_chunk_size")
