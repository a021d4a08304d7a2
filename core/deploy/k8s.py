"""Kubernetes manifests for a vLLM server of the base model with the tutor adapters mounted, that a GitOps
tool such as Argo CD syncs from the export folder (kustomize at its root).

    files = k8s_manifests(K8sPlan(subject, folders={"<id>": "adapters/<dir>"}, mode="configmap"))
    # {"kustomization.yaml": ..., "k8s/deployment.yaml": ..., "k8s/service.yaml": ..., ...}

The adapters reach the pod one of two ways:
- configmap (adapters under ~900 KiB, the 1 MiB ConfigMap limit with room to spare): kustomize's
  configMapGenerator turns each adapter folder into a ConfigMap (binary weights included), mounted at
  /adapters/<dir>. A new adapter changes the ConfigMap's hash suffix, so the Deployment rolls.
- pvc (larger adapters): a PersistentVolumeClaim mounted at /adapters; an init container waits until the
  adapter files are copied in (`kubectl cp`, see the README) so vLLM never starts without them.
The kustomization sits at the export's root because kustomize only reads files below its own folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import yaml

from core.deploy.subject import ExportSubject
from core.deploy.vllm import ServedAdapter, vllm_serve_command

VolumeMode = Literal["configmap", "pvc"]
CONFIGMAP_LIMIT_BYTES = 900 * 1024
DEFAULT_IMAGE = "vllm/vllm-openai:v0.11.0"
DEFAULT_NAMESPACE = "tutor-studio"
APP = "tutor-vllm"
PORT = 8000
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


@dataclass(frozen=True)
class K8sPlan:
    subject: ExportSubject
    folders: dict[str, str]  # adapter id -> its folder in the export ("adapters/<dir>")
    mode: VolumeMode
    image: str = DEFAULT_IMAGE
    namespace: str = DEFAULT_NAMESPACE
    ranks: dict[str, int | None] | None = None

    def mount(self, adapter_id: str) -> str:
        return "/" + self.folders[adapter_id]  # /adapters/<dir>

    @property
    def volume_names(self) -> dict[str, str]:
        return {adapter_id: f"lora-{index}" for index, adapter_id in enumerate(self.folders)}


def choose_mode(adapter_bytes: int, requested: str = "auto") -> VolumeMode:
    if requested in ("configmap", "pvc"):
        return requested  # type: ignore[return-value]
    return "configmap" if adapter_bytes <= CONFIGMAP_LIMIT_BYTES else "pvc"


def server_args(plan: K8sPlan) -> list[str]:
    """The container's `vllm serve` arguments: the same command as serve.sh, with in-pod paths."""
    ranks = plan.ranks or {}
    adapters = [ServedAdapter(a, plan.mount(a), ranks.get(a)) for a in plan.folders]
    command = vllm_serve_command(
        plan.subject.base,
        adapters,
        port=PORT,
        host="0.0.0.0",
        chat_template="/config/chat_template.jinja",
        model=plan.subject.adapter.base_model if plan.subject.base.kind in ("hub", "cache") else None,
    )
    return command.argv[2:]  # after "vllm serve"


def deployment(plan: K8sPlan) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": APP}
    container: dict[str, Any] = {
        "name": "vllm",
        "image": plan.image,
        "command": ["vllm", "serve"],
        "args": server_args(plan),
        "ports": [{"name": "http", "containerPort": PORT}],
        "env": [
            {"name": "HF_HOME", "value": "/cache/hf"},
            {"name": "VLLM_ALLOW_RUNTIME_LORA_UPDATING", "value": "False"},
        ],
        "resources": {"limits": {"nvidia.com/gpu": 1}, "requests": {"nvidia.com/gpu": 1, "memory": "16Gi"}},
        "readinessProbe": {
            "httpGet": {"path": "/health", "port": "http"},
            "periodSeconds": 10,
            "failureThreshold": 60,
        },
        "volumeMounts": [
            {"name": "chat-template", "mountPath": "/config", "readOnly": True},
            {"name": "hf-cache", "mountPath": "/cache"},
        ],
    }
    volumes: list[dict[str, Any]] = [
        {"name": "chat-template", "configMap": {"name": "tutor-chat-template"}},
        {"name": "hf-cache", "emptyDir": {}},
    ]
    spec: dict[str, Any] = {"containers": [container], "volumes": volumes}
    if plan.mode == "configmap":
        for adapter_id, volume in plan.volume_names.items():
            container["volumeMounts"].append(
                {"name": volume, "mountPath": plan.mount(adapter_id), "readOnly": True}
            )
            volumes.append({"name": volume, "configMap": {"name": f"tutor-{volume}"}})
    else:
        container["volumeMounts"].append({"name": "adapters", "mountPath": "/adapters", "readOnly": True})
        volumes.append({"name": "adapters", "persistentVolumeClaim": {"claimName": "tutor-adapters"}})
        spec["initContainers"] = [wait_for_adapters(plan)]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": APP, "labels": labels},
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},  # one GPU: the old pod must go before the new one starts
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": spec},
        },
    }


def wait_for_adapters(plan: K8sPlan) -> dict[str, Any]:
    checks = " && ".join(f"[ -f {plan.mount(a)}/adapter_model.safetensors ]" for a in plan.folders)
    script = f"until {checks}; do echo 'waiting for the adapter files (see README.md)'; sleep 5; done"
    return {
        "name": "wait-for-adapters",
        "image": "busybox:1.36",
        "command": ["sh", "-c", script],
        "volumeMounts": [{"name": "adapters", "mountPath": "/adapters"}],
    }


def service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": APP, "labels": {"app.kubernetes.io/name": APP}},
        "spec": {
            "selector": {"app.kubernetes.io/name": APP},
            "ports": [{"name": "http", "port": PORT, "targetPort": "http"}],
        },
    }


def adapters_pvc() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "tutor-adapters"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}},
    }


def kustomization(plan: K8sPlan) -> dict[str, Any]:
    resources = ["k8s/deployment.yaml", "k8s/service.yaml"]
    generators: list[dict[str, Any]] = [
        {"name": "tutor-chat-template", "files": ["chat_template.jinja"]},
        {"name": "tutor-generators", "files": ["generators.yaml"]},
    ]
    if plan.mode == "pvc":
        resources.append("k8s/adapters-pvc.yaml")
    else:
        for adapter_id, volume in plan.volume_names.items():
            files = [f"{plan.folders[adapter_id]}/{name}" for name in ADAPTER_FILES]
            generators.append({"name": f"tutor-{volume}", "files": files})
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": plan.namespace,
        "resources": resources,
        "configMapGenerator": generators,
    }


def k8s_manifests(plan: K8sPlan) -> dict[str, str]:
    """File name -> YAML text, relative to the export's root."""
    files = {
        "kustomization.yaml": kustomization(plan),
        "k8s/deployment.yaml": deployment(plan),
        "k8s/service.yaml": service(),
    }
    if plan.mode == "pvc":
        files["k8s/adapters-pvc.yaml"] = adapters_pvc()
    return {name: _yaml(doc) for name, doc in files.items()}


def _yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
