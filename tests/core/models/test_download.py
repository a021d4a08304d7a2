"""Hub downloads report their progress in bytes (hub calls are faked: tests are offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.models import download
from core.models.download import DownloadError, ensure_base_local, progress_bar_class
from core.models.spec import ResolvedBase


def test_progress_bar_class_reports_bytes_written() -> None:
    reports: list[tuple[float, float | None, str]] = []
    bar_class = progress_bar_class("org/model", lambda done, total, msg: reports.append((done, total, msg)))
    files = bar_class(total=2, desc="Fetching 2 files")
    network = bar_class(total=0, desc="Downloading bytes", unit="B", unit_scale=True)
    written = bar_class(total=3 * 2**20, desc="Reconstructing", unit="B", unit_scale=True)
    network.update(2**20)
    written.update(2**20)
    written.update(2 * 2**20)
    files.update(1)
    written.close()
    assert reports[-1] == (3 * 2**20, 3 * 2**20, "Downloading org/model: 3 MB of 3 MB")
    assert all("Downloading org/model" in msg for _, _, msg in reports)


def test_ensure_base_local_downloads_hub_models_with_progress(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import huggingface_hub

    calls: dict[str, Any] = {}

    def fake_snapshot_download(repo_id: str, **kwargs: Any) -> str:
        calls.update(kwargs, repo_id=repo_id)
        bar = kwargs["tqdm_class"](total=10, desc="Reconstructing", unit="B")
        bar.update(10)
        bar.close()
        return str(tmp_path / "snapshot")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    reports: list[float] = []
    resolved = ResolvedBase("org/m", "hub", "org/m", "org/m", revision="abc", cache_dir=str(tmp_path / "hub"))
    folder = ensure_base_local(resolved, progress=lambda done, total, msg: reports.append(done))
    assert folder == tmp_path / "snapshot"
    assert calls["revision"] == "abc" and calls["cache_dir"] == str(tmp_path / "hub")
    assert "*.safetensors" in calls["allow_patterns"] and "*.bin" not in calls["allow_patterns"]
    assert reports[0] == 10 and reports[-1] == 1


def test_failed_download_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    def offline(repo_id: str, **kwargs: Any) -> str:
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(DownloadError, match="Check the network connection"):
        download.download_base("org/m", None)


def test_download_job_builds_tiny_and_reports_where(workspace: Any) -> None:
    from types import SimpleNamespace

    progress: list[str] = []
    ctx = SimpleNamespace(
        params={"base": "tiny"}, store=None, workspace=workspace, progress=lambda d, t, m: progress.append(m)
    )
    result = download.download_base_job(ctx)  # type: ignore[arg-type]
    assert result["kind"] == "tiny" and Path(result["path"]) == workspace.models_dir / "tiny"
    assert (workspace.models_dir / "tiny" / "model.safetensors").is_file()


def test_download_job_refuses_a_fallback(workspace: Any) -> None:
    from types import SimpleNamespace

    ctx = SimpleNamespace(params={"base": "org/not-cached"}, store=None, workspace=workspace, progress=print)
    with pytest.raises(DownloadError, match="offline and not in the cache"):
        download.download_base_job(ctx)  # type: ignore[arg-type]
