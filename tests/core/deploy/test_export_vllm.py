"""The vLLM export: adapters, the exact serve command, the chat template, Kubernetes manifests that parse
and name the right paths, the GENERATOR feature flag, and adapters that load back and answer like the studio."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

from core.deploy.exports import ExportOptions, export_adapter
from core.deploy.generators import resolve_generator
from core.deploy.subject import ExportError
from core.inference.backend import GenerationConfig
from core.models.spec import ModelSpec, ResolvedBase, Variant
from tests.core.deploy.conftest import Shipping, greedy, manifest_files


def serve_argv(folder: Path) -> list[str]:
    script = (folder / "serve.sh").read_text()
    command = script.split("exec ", 1)[1].replace("\\\n", " ")
    argv = shlex.split(command)
    assert argv[-1] == "$@"  # options given to serve.sh go on to vllm serve (./serve.sh --dtype float32)
    return argv[:-1]


def test_serve_sh_holds_the_exact_vllm_command_with_every_flag(shipping: Shipping, tmp_path: Path) -> None:
    report = export_adapter(shipping.store, shipping.workspace, shipping.sft_id, "vllm", tmp_path / "out")
    folder = report.path
    argv = serve_argv(folder)
    assert argv[:2] == ["vllm", "serve"] and "--enable-lora" in argv
    lora = argv[argv.index("--lora-modules") + 1]
    name, path = lora.split("=", 1)
    assert name == shipping.sft_id and (folder / path / "adapter_model.safetensors").is_file()
    assert argv[argv.index("--max-lora-rank") + 1] == "8"  # the tiny adapter's r
    assert argv[argv.index("--chat-template") + 1] == "./chat_template.jinja"
    assert (folder / "chat_template.jinja").read_text() == (
        shipping.workspace.models_dir / "tiny" / "chat_template.jinja"
    ).read_text()
    assert (folder / "serve.sh").stat().st_mode & 0o111  # executable
    assert 'cd "$(dirname "$0")"' in (folder / "serve.sh").read_text()  # paths are relative to the export
    assert report.commands["serve"].startswith("vllm serve")


def test_manifests_parse_as_yaml_and_name_the_right_paths(shipping: Shipping, tmp_path: Path) -> None:
    folder = export_adapter(
        shipping.store, shipping.workspace, shipping.dpo_id, "vllm", tmp_path / "out"
    ).path
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (folder / resource).is_file(), resource
    generated = {g["name"]: g["files"] for g in kustomization["configMapGenerator"]}
    for files in generated.values():
        assert all((folder / f).is_file() for f in files), files
    deployment = yaml.safe_load((folder / "k8s/deployment.yaml").read_text())
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1 and container["command"] == [
        "vllm",
        "serve",
    ]
    args = container["args"]
    modules = args[args.index("--lora-modules") + 1 : args.index("--max-lora-rank")]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert [m.split("=")[0] for m in modules] == [shipping.sft_id, shipping.dpo_id]  # the SFT parent too
    for module in modules:
        volume = volumes[mounts[module.split("=", 1)[1]]]
        assert volume["configMap"]["name"] in generated  # kustomize makes it from the adapter's files
    assert args[args.index("--chat-template") + 1] == "/config/chat_template.jinja"
    assert volumes[mounts["/config"]]["configMap"]["name"] == "tutor-chat-template"
    service = yaml.safe_load((folder / "k8s/service.yaml").read_text())
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["port"] == 8000 and "--port" in args


def test_big_adapters_go_on_a_volume_the_pod_waits_for(shipping: Shipping, tmp_path: Path) -> None:
    options = ExportOptions(volume="pvc", namespace="school")
    folder = export_adapter(
        shipping.store, shipping.workspace, shipping.sft_id, "vllm", tmp_path / "o", options
    ).path
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert "k8s/adapters-pvc.yaml" in kustomization["resources"] and kustomization["namespace"] == "school"
    assert all("adapters/" not in f for g in kustomization["configMapGenerator"] for f in g["files"])
    pod = yaml.safe_load((folder / "k8s/deployment.yaml").read_text())["spec"]["template"]["spec"]
    wait = pod["initContainers"][0]
    assert wait["name"] == "wait-for-adapters" and "adapter_model.safetensors" in wait["command"][-1]
    claim = yaml.safe_load((folder / "k8s/adapters-pvc.yaml").read_text())
    assert {"persistentVolumeClaim": {"claimName": claim["metadata"]["name"]}, "name": "adapters"} in pod[
        "volumes"
    ]
    assert "kubectl -n school cp" in (folder / "README.md").read_text()


def test_generators_map_the_flag_to_served_names_and_roll_back(shipping: Shipping, tmp_path: Path) -> None:
    dpo = export_adapter(shipping.store, shipping.workspace, shipping.dpo_id, "vllm", tmp_path / "dpo").path
    config = yaml.safe_load((dpo / "generators.yaml").read_text())
    assert config["env"] == "GENERATOR" and config["default"] == "lora_pref"
    assert resolve_generator(config, "lora_pref") == shipping.dpo_id
    assert (
        resolve_generator(config, "lora") == shipping.sft_id and resolve_generator(config, "base") == "tiny"
    )
    assert resolve_generator(config, None) == shipping.dpo_id
    assert any("GENERATOR back" in step for step in config["rollback"])
    sft = export_adapter(shipping.store, shipping.workspace, shipping.sft_id, "vllm", tmp_path / "sft").path
    only = yaml.safe_load((sft / "generators.yaml").read_text())
    assert only["default"] == "lora" and only["generators"]["lora_pref"] is None
    with pytest.raises(ValueError, match="not served"):
        resolve_generator(only, "lora_pref")


def test_the_exported_adapter_loads_back_and_answers_like_the_studio(
    shipping: Shipping, tmp_path: Path, tiny_backend: object
) -> None:
    folder = export_adapter(
        shipping.store, shipping.workspace, shipping.sft_id, "vllm", tmp_path / "out"
    ).path
    adapter_dir = next((folder / "adapters").iterdir())
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    assert config["r"] == 8 and config["peft_type"] == "LORA"
    prompt = "What is 3/4 + 1/8?"
    variant = Variant("a", ModelSpec(adapter=str(shipping.adapter_path(shipping.sft_id))))
    studio = tiny_backend.complete(variant, [{"role": "user", "content": prompt}], GenerationConfig(12, 0.0))  # type: ignore[attr-defined]
    tiny = ResolvedBase("tiny", "tiny", str(shipping.workspace.models_dir / "tiny"), "tiny")
    assert studio.text.strip() and greedy(Path(tiny.source), adapter_dir, prompt) == studio.text


def test_export_json_lists_every_file_with_its_hash_and_a_foreign_folder_is_refused(
    shipping: Shipping, tmp_path: Path
) -> None:
    import hashlib

    out = tmp_path / "out"
    folder = export_adapter(shipping.store, shipping.workspace, shipping.sft_id, "vllm", out).path
    files = manifest_files(folder)
    assert "serve.sh" in files and "k8s/deployment.yaml" in files
    assert all(hashlib.sha256((folder / n).read_bytes()).hexdigest() == h for n, h in files.items())
    export_adapter(
        shipping.store, shipping.workspace, shipping.sft_id, "vllm", out
    )  # an earlier export: replaced
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(ExportError, match="already holds other files"):
        export_adapter(shipping.store, shipping.workspace, shipping.sft_id, "vllm", foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"
    with pytest.raises(ExportError, match="No adapter 'nope'"):
        export_adapter(shipping.store, shipping.workspace, "nope", "vllm", tmp_path / "x")
