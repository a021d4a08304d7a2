"""The vLLM export: everything to serve the tutor adapter(s) with vLLM, on one machine or on Kubernetes.

    written = write_vllm_export(subject, folder, K8sOptions(mode="auto"))
    # folder/serve.sh, chat_template.jinja, generators.yaml, adapters/<dir>/..., kustomization.yaml, k8s/, README.md

serve.sh holds the exact `vllm serve BASE --enable-lora --lora-modules NAME=PATH --max-lora-rank R
--chat-template chat_template.jinja` command (core/deploy/vllm.py builds it, as for Compare), with paths
inside the export so the folder can be copied anywhere. Each adapter is served under its adapter id: the
`model` a client sends, and what generators.yaml maps GENERATOR=base|lora|lora_pref to.
"""

from __future__ import annotations

import json
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.deploy.generators import default_generator, generators_yaml
from core.deploy.k8s import APP, DEFAULT_IMAGE, DEFAULT_NAMESPACE, PORT, K8sPlan, choose_mode, k8s_manifests
from core.deploy.subject import ExportSubject, adapter_folder_name
from core.deploy.vllm import DEFAULT_PORT, ServedAdapter, adapter_rank, vllm_serve_command
from core.train.records import Adapter

TEMPLATE_FILE = "chat_template.jinja"
ADAPTER_COPY = ("adapter_config.json", "adapter_model.safetensors", "README.md")


@dataclass(frozen=True)
class K8sOptions:
    mode: str = "auto"  # auto | configmap | pvc
    image: str = DEFAULT_IMAGE
    namespace: str = DEFAULT_NAMESPACE


def copy_adapter(adapter: Adapter, target: Path, base_model: str | None) -> None:
    """The adapter's files; adapter_config.json names the base by its hub id, not this machine's path."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ADAPTER_COPY:
        source = Path(adapter.path) / name
        if source.is_file():
            shutil.copy2(source, target / name)
    if base_model is not None:
        config_path = target / "adapter_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["base_model_name_or_path"] = base_model
        config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_vllm_export(
    subject: ExportSubject, folder: Path, options: K8sOptions | None = None
) -> dict[str, str]:
    """Write the export into `folder` (an empty staging folder); returns the commands it contains."""
    options = options or K8sOptions()
    hub_id = subject.adapter.base_model if subject.base.kind in ("hub", "cache") else None
    folders: dict[str, str] = {}
    for adapter in subject.served:
        folders[adapter.id] = f"adapters/{adapter_folder_name(adapter)}"
        copy_adapter(adapter, folder / folders[adapter.id], hub_id)
    (folder / TEMPLATE_FILE).write_text(subject.chat_template, encoding="utf-8")
    ranks = {a.id: adapter_rank(a.path) for a in subject.served}
    adapters = [ServedAdapter(a, f"./{path}", ranks[a]) for a, path in folders.items()]
    serve = vllm_serve_command(
        subject.base, adapters, port=DEFAULT_PORT, chat_template=f"./{TEMPLATE_FILE}", model=hub_id
    )
    (folder / "serve.sh").write_text(serve_script(subject, serve.text), encoding="utf-8")
    (folder / "serve.sh").chmod(0o755)
    cluster_url = f"http://{APP}.{options.namespace}.svc:{PORT}/v1"
    (folder / "generators.yaml").write_text(generators_yaml(subject, cluster_url), encoding="utf-8")
    weights = sum((folder / p / "adapter_model.safetensors").stat().st_size for p in folders.values())
    plan = K8sPlan(
        subject, folders, choose_mode(weights, options.mode), options.image, options.namespace, ranks
    )
    for name, text in k8s_manifests(plan).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "README.md").write_text(readme(subject, serve.text, plan), encoding="utf-8")
    return {"serve": serve.text, "kubernetes": "kubectl apply -k .", "volume": plan.mode}


def serve_script(subject: ExportSubject, command: str) -> str:
    names = ", ".join(f"{a.id}" for a in subject.served)
    return (
        "#!/usr/bin/env sh\n"
        f"# Serve {subject.served_base} with the tutor adapter(s) {names} on a GPU machine with vLLM installed.\n"
        f"# Clients send model={shlex.quote(subject.adapter.id)} to http://127.0.0.1:{DEFAULT_PORT}/v1 "
        "(see generators.yaml).\n"
        "# Options given to this script go on to vllm serve: ./serve.sh --dtype float32 serves in the number\n"
        "# format the studio's parity check uses with --dtype fp32 (exact replies on a CPU).\n"
        "set -eu\n"
        'cd "$(dirname "$0")"\n'
        f'exec {command} "$@"\n'
    )


def readme(subject: ExportSubject, command: str, plan: K8sPlan) -> str:
    generator = default_generator(subject)
    lines = [
        f"# Serve {subject.adapter.id} with vLLM",
        "",
        f"Base model `{subject.served_base}`, adapters served under their ids:",
        *[f"- `{a.id}` ({a.method}) in `{plan.folders[a.id]}/`" for a in subject.served],
        "",
        "## On a GPU machine",
        "",
        "```sh",
        "pip install vllm",
        "./serve.sh",
        "```",
        "",
        "which runs exactly:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Ask it with any OpenAI client: `model` = `{subject.adapter.id}`, base URL `http://127.0.0.1:{DEFAULT_PORT}/v1`.",
        "Use no system prompt: the tutor behaviour is in the adapter, and the template in `chat_template.jinja`",
        "is the one it was trained with.",
        "",
        "## On Kubernetes (Argo CD)",
        "",
        "Point an Argo CD Application at this folder (kustomize is detected from `kustomization.yaml`), or run",
        "`kubectl apply -k .`. The Deployment requests one NVIDIA GPU (`nvidia.com/gpu: 1`).",
        *_volume_lines(plan),
        "",
        "## Choosing the tutor in your application: GENERATOR",
        "",
        f"`generators.yaml` maps `GENERATOR=base|lora|lora_pref` to the model names above (default: {generator}).",
        "",
        "## Rolling back",
        "",
        "- Set `GENERATOR=lora` (or `base`) in your application: the next request uses the other model, no redeploy.",
        "- To retire an adapter, unmount it: remove its `--lora-modules` entry (and its volume) and sync again.",
        "",
        "## Check before switching students over",
        "",
        "Run the parity check (Deploy tab, or `tutor-studio export ADAPTER --check URL`): it sends the test",
        "conversations and probes to this server and to the studio with greedy decoding, and names template or",
        "system-prompt drift when the replies differ. For replies identical word for word, serve and check in",
        "the same number format: `./serve.sh --dtype float32` with `--dtype fp32` (bf16 kernels of torch and",
        "vLLM round differently, so bf16 replies can part after a few words).",
        "",
    ]
    return "\n".join(lines)


def _volume_lines(plan: K8sPlan) -> list[str]:
    if plan.mode == "configmap":
        return [
            "The adapters travel as ConfigMaps made by kustomize from `adapters/` (each under 1 MiB), mounted at",
            "`/adapters/...`; a new adapter version changes their hash, and the Deployment rolls over.",
        ]
    dirs = " ".join(f"{path}" for path in plan.folders.values())
    return [
        "The adapters are too big for ConfigMaps (1 MiB limit), so they live on the PersistentVolumeClaim",
        "`tutor-adapters`. After the first sync the pod waits in its `wait-for-adapters` init container; copy",
        "the files in once:",
        "",
        "```sh",
        f"POD=$(kubectl -n {plan.namespace} get pod -l app.kubernetes.io/name={APP} -o name | head -1)",
        f'for dir in {dirs}; do kubectl -n {plan.namespace} cp "$dir" "${{POD#pod/}}:/$dir" -c wait-for-adapters; done',
        "```",
    ]
