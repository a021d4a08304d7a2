"""The feature flag an application reads: GENERATOR=base|lora|lora_pref -> the model name it sends.

    text = generators_yaml(subject, server_url="http://tutor-vllm:8000/v1")   # generators.yaml
    model = resolve_generator(yaml.safe_load(text), "lora_pref")             # what a client would do

One vLLM server serves the base and every adapter (--lora-modules NAME=PATH), so switching tutors is
switching the `model` field: no redeploy. Rolling back is setting GENERATOR back (to lora or base); to
take an adapter out of service for good, unmount it (remove its --lora-modules entry and volume).
"""

from __future__ import annotations

from typing import Any

import yaml

from core.deploy.subject import ExportSubject

GENERATORS = ("base", "lora", "lora_pref")
DESCRIPTIONS = {
    "base": "the base model alone, no adapter (needs the long tutor prompt to behave as a tutor)",
    "lora": "the supervised tutor adapter (SFT)",
    "lora_pref": "the tutor adapter tuned on preferences (DPO/ORPO)",
}


def default_generator(subject: ExportSubject) -> str:
    names = subject.generators
    return "lora_pref" if names["lora_pref"] else "lora"


def generators_config(subject: ExportSubject, server_url: str) -> dict[str, Any]:
    names = subject.generators
    return {
        "env": "GENERATOR",
        "default": default_generator(subject),
        "server": server_url,
        "generators": {
            key: {"model": names[key], "what": DESCRIPTIONS[key]} if names[key] else None
            for key in GENERATORS
        },
        "rollback": [
            "Set GENERATOR back to lora (or base) and restart or reload the application: instant, no redeploy.",
            "To retire an adapter, remove its --lora-modules entry and its volume from the deployment (unmount it).",
        ],
    }


def generators_yaml(subject: ExportSubject, server_url: str) -> str:
    header = (
        "# Which tutor your application talks to. Set the environment variable GENERATOR to base, lora or\n"
        "# lora_pref; send the matching `model` to the OpenAI-compatible server below. An empty entry is not\n"
        "# served by this export.\n"
    )
    return header + yaml.safe_dump(
        generators_config(subject, server_url), sort_keys=False, allow_unicode=True
    )


def resolve_generator(config: dict[str, Any], generator: str | None) -> str:
    """The model name for GENERATOR (its default when unset); an unknown or unserved one is an error."""
    name = generator or str(config.get("default") or "")
    entries = config.get("generators") or {}
    if name not in entries:
        raise ValueError(f"GENERATOR={name!r} is not one of {', '.join(entries)}.")
    entry = entries[name]
    if not entry:
        raise ValueError(f"GENERATOR={name} is not served by this deployment; use {config.get('default')}.")
    return str(entry["model"])
