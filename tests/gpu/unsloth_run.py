"""`python -m tests.gpu.unsloth_run DATASET_ID`: one run of the tiny model with `fast_path: auto`, in a
fresh process (unsloth must patch transformers before they load), printing the outcome as JSON.

The workspace is STUDIO_HOME (the GPU test's, with tiny and the dataset in it).
"""

from __future__ import annotations

import json
import sys

from core.train.launch import try_fast_path  # first: it imports unsloth before transformers


def main(dataset_id: str) -> int:
    from core.models.hardware import describe_hardware
    from core.paths import Workspace
    from core.store import Store
    from core.train.planning import plan_training
    from core.train.runs import create_run
    from core.train.sft_job import training_inputs
    from tests.core.train.conftest import RecordingReporter, fast_config

    config = fast_config(dataset=dataset_id)
    hardware = describe_hardware()
    fast = try_fast_path(config, hardware)
    from core.train.sft_trainer import train_adapter

    workspace = Workspace.from_env()
    store = Store.open(workspace)
    plan = plan_training(store, workspace, config, hardware)
    inputs = training_inputs(
        workspace, store, create_run(store, workspace, plan), plan.config, hardware, fast
    )
    outcome = train_adapter(inputs, RecordingReporter())
    print(json.dumps({"status": outcome.status, **outcome.summary()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
