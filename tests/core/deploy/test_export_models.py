"""The merged and Ollama exports: a merged safetensors model that AutoModelForCausalLM loads and that answers
like the studio's base + adapter, and a Modelfile whose TEMPLATE renders like the training template."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.deploy.exports import ExportOptions, export_adapter
from core.deploy.ollama_template import FORMATS, PROBES, ollama_template
from core.inference.backend import GenerationConfig
from core.models.spec import ModelSpec, Variant
from tests.core.deploy.conftest import Shipping, greedy

pytestmark = pytest.mark.slow
PROMPT = "I'm stuck: what is 2/3 of 27?"


def studio_reply(backend: object, adapter_dir: Path) -> str:
    variant = Variant("a", ModelSpec(adapter=str(adapter_dir)))
    reply = backend.complete(variant, [{"role": "user", "content": PROMPT}], GenerationConfig(12, 0.0))  # type: ignore[attr-defined]
    return str(reply.text)


def test_the_merged_model_loads_alone_and_answers_like_the_studio(
    shipping: Shipping, tmp_path: Path, tiny_backend: object
) -> None:
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    report = export_adapter(
        shipping.store, shipping.workspace, shipping.dpo_id, "merged", tmp_path / "merged"
    )
    folder = report.path
    assert (folder / "model.safetensors").is_file() and not (folder / "adapter_config.json").exists()
    assert not any("lora" in key for key in load_file(str(folder / "model.safetensors")))
    assert (
        AutoTokenizer.from_pretrained(str(folder)).chat_template
        == (folder / "chat_template.jinja").read_text()
    )
    expected = studio_reply(tiny_backend, shipping.adapter_path(shipping.dpo_id))
    assert expected.strip() and greedy(folder, None, PROMPT) == expected


def test_the_ollama_export_points_at_a_merged_model_with_a_checked_template(
    shipping: Shipping, tmp_path: Path, tiny_backend: object
) -> None:
    report = export_adapter(
        shipping.store, shipping.workspace, shipping.sft_id, "ollama", tmp_path / "ollama"
    )
    folder = report.path
    modelfile = (folder / "Modelfile").read_text()
    assert re.search(r"^FROM \./model$", modelfile, re.M) and (folder / "model" / "config.json").is_file()
    template = re.search(r'TEMPLATE """(.*?)"""', modelfile, re.S)
    assert template is not None and "{{ range .Messages }}<|im_start|>{{ .Role }}" in template.group(1)
    assert 'PARAMETER stop "<|im_end|>"' in modelfile and "PARAMETER num_ctx" in modelfile
    assert report.commands["create"] == f"ollama create {report.commands['run'].split()[-1]} -f Modelfile"
    assert report.commands["create"] in (folder / "README.md").read_text()
    expected = studio_reply(tiny_backend, shipping.adapter_path(shipping.sft_id))
    assert greedy(folder / "model", None, PROMPT) == expected


def test_the_adapter_mode_keeps_the_lora_beside_a_copy_of_the_base(
    shipping: Shipping, tmp_path: Path
) -> None:
    options = ExportOptions(ollama_mode="adapter")
    folder = export_adapter(
        shipping.store, shipping.workspace, shipping.sft_id, "ollama", tmp_path / "o", options
    ).path
    modelfile = (folder / "Modelfile").read_text()
    assert "FROM ./base" in modelfile and "ADAPTER ./adapter" in modelfile
    assert (folder / "base" / "model.safetensors").is_file() and (
        folder / "adapter" / "adapter_model.safetensors"
    ).is_file()
    assert greedy(folder / "base", folder / "adapter", PROMPT) == greedy(
        shipping.workspace.models_dir / "tiny", shipping.adapter_path(shipping.sft_id), PROMPT
    )


def test_the_template_is_only_written_when_it_renders_like_the_training_one(tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    found = ollama_template(tokenizer)
    assert found is not None and found.family == "chatml" and found.default_system is None
    chatml = FORMATS[0]
    for probe in PROBES:  # the Go template's rendering, spelled out, equals the Jinja template's
        expected = tokenizer.apply_chat_template(list(probe), tokenize=False, add_generation_prompt=True)
        assert chatml.render(probe, None) == expected
    # A template that adds a default system prompt (as Qwen2.5 and SmolLM2 do) is recognised with it.
    with_default = (
        "{% if messages[0]['role'] != 'system' %}<|im_start|>system\nYou are a tutor.<|im_end|>\n{% endif %}"
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    tokenizer.chat_template = with_default
    found = ollama_template(tokenizer)
    assert found is not None and found.default_system == "You are a tutor."
    assert '(ne (index .Messages 0).Role "system")' in found.go_template
    tokenizer.chat_template = with_default.replace("<|im_end|>\n{% endfor %}", "<|im_end|>\n\n{% endfor %}")
    assert ollama_template(tokenizer) is None  # an extra blank line: no format fits, so no TEMPLATE
