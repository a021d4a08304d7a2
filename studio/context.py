"""AppContext: what every tab is built with (workspace, store, hardware, the base model in use).

Tests build one over a temporary workspace; `AppContext.create()` is what `tutor-studio serve` uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.compare.backends import ChatBackends
from core.jobs import reconcile_jobs
from core.models.hardware import HardwareInfo, describe_hardware
from core.models.spec import ResolvedBase, configured_base_model, resolve_base
from core.paths import Workspace
from core.store import Store


@dataclass
class AppContext:
    workspace: Workspace
    store: Store
    hardware: HardwareInfo
    base: ResolvedBase
    # The Compare tab's models: one in-process backend per studio process, created on first use.
    chat_backends: ChatBackends = field(default_factory=ChatBackends)

    @classmethod
    def create(cls, workspace: Workspace) -> AppContext:
        """Open the store, find dead jobs from an earlier run, and work out which base model to use."""
        workspace.ensure()
        workspace.configure_environment()
        store = Store.open(workspace)
        reconcile_jobs(store, workspace)
        base = resolve_base(configured_base_model(store), workspace)
        return cls(workspace=workspace, store=store, hardware=describe_hardware(), base=base)
