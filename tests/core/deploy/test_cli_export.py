"""`tutor-studio export`: one JSON object of the documented shape; --check exits 1 on drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.cli import main
from tests.core.deploy.conftest import Shipping
from tests.core.deploy.test_parity import config, script_as
from tests.support.openai_server import OpenAITestServer


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


def test_export_json_names_the_files_and_commands(
    shipping: Shipping, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "vllm"
    argv = [
        "export",
        shipping.dpo_id,
        "--to",
        "vllm",
        str(out),  # the documented order: ADAPTER --to TARGET OUT_DIR
        "--workspace",
        str(shipping.workspace.root),
        "--json",
    ]
    code, data, err = run(argv, capsys)
    assert code == 0, err
    assert set(data) == {"adapter", "target", "path", "files", "commands", "zip", "export_id", "notes"}
    assert (
        data["adapter"] == shipping.dpo_id and data["target"] == "vllm" and data["path"] == str(out.resolve())
    )
    assert "serve.sh" in data["files"] and "kustomization.yaml" in data["files"]
    assert data["commands"]["serve"].startswith("vllm serve") and data["commands"]["volume"] == "configmap"


def test_export_errors_go_to_stderr_with_the_fix(
    shipping: Shipping, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = ["--workspace", str(shipping.workspace.root)]
    code, _, err = run(["export", shipping.sft_id, *workspace], capsys)
    assert code == 2 and "Give --to TARGET OUT_DIR" in err
    code, _, err = run(["export", shipping.sft_id, "--to", "docker", str(tmp_path / "z"), *workspace], capsys)
    assert code == 2 and "unknown target 'docker'" in err
    code, _, err = run(["export", "missing", str(tmp_path / "x"), "--to", "merged", *workspace], capsys)
    assert code == 1 and "No adapter 'missing'" in err
    code, _, err = run(
        ["export", shipping.sft_id, str(tmp_path / "y"), "--to", "vllm", "--hosted", *workspace], capsys
    )
    assert code == 2 and "--hosted goes with --to openai" in err
    with pytest.raises(SystemExit) as exited:  # argparse refuses it, naming the formats it takes
        main(["export", shipping.sft_id, "--check", "http://127.0.0.1:9/v1", "--dtype", "fp8", *workspace])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "argument --dtype" in err and "'fp32'" in err


@pytest.mark.slow
def test_check_prints_the_report_and_exits_1_on_drift(
    shipping: Shipping, openai_server: OpenAITestServer, tiny_backend: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(shipping, openai_server, max_new_tokens=48, max_prompts=2, include_probes=False)
    script_as(shipping, openai_server, tiny_backend, 0, cfg)
    argv = ["export", shipping.sft_id, "--check", openai_server.base_url, "--max-prompts", "2", "--no-probes"]
    argv += ["--dtype", "fp32", "--workspace", str(shipping.workspace.root), "--json"]  # tiny's own format
    code, data, err = run(argv, capsys)
    assert code == 0, err
    assert {"verdict", "agreement", "rows", "causes", "report", "message"} <= set(data)
    assert data["verdict"] == "agree" and len(data["rows"]) == 2 and Path(data["report"]).is_file()
    openai_server.reply_fn = lambda body: "Something else entirely."
    code, data, _ = run(argv, capsys)
    assert code == 1 and data["verdict"] == "drift" and data["causes"] == {"template": 2}
