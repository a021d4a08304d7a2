"""What the ranks of a multi-process run agree on: whether to stop, and when a checkpoint is whole.

    mode = agree_on_stop(local_request)   # every rank calls it at the same step; rank 0's request wins
    wait_for_all_ranks()                   # before rank 0 marks a checkpoint complete
    is_main_rank()                         # True in a single-process run

With one process (no torch.distributed group) these are plain functions with no collective. torch loads
only when a group may exist (its module is imported already), so core stays light for the studio.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# What travels in the stop broadcast: a number per stop mode (0 is "keep going").
STOP_CODES = {None: 0, "stop": 1, "cancel": 2}
STOP_MODES = {code: mode for mode, code in STOP_CODES.items()}


def _group() -> Any:
    """torch.distributed when a process group is up, else None."""
    if "torch.distributed" not in sys.modules:
        return None
    import torch.distributed as dist

    return dist if dist.is_available() and dist.is_initialized() else None


def rank() -> int:
    dist = _group()
    if dist is not None:
        return int(dist.get_rank())
    return int(os.environ.get("RANK", "0"))


def is_main_rank() -> bool:
    return rank() == 0


def agree_on_stop(local_request: str | None) -> str | None:
    """Rank 0's stop request, broadcast to every rank (a collective: every rank must call it at the same
    point). Only rank 0 reads the store, so ranks can never disagree and hang in the next step's collective."""
    dist = _group()
    if dist is None:
        return local_request
    import torch

    # NCCL (GPU ranks) only moves CUDA tensors; gloo (CPU ranks) moves CPU ones.
    device = "cuda" if "nccl" in str(dist.get_backend()) and torch.cuda.is_available() else "cpu"
    value = STOP_CODES.get(local_request, 2) if dist.get_rank() == 0 else 0
    code = torch.tensor([value], dtype=torch.int64, device=device)
    dist.broadcast(code, src=0)
    return STOP_MODES.get(int(code.item()), "cancel")


def wait_for_all_ranks() -> None:
    """A barrier when several ranks run (each writes its own files into a checkpoint); nothing otherwise."""
    dist = _group()
    if dist is not None:
        dist.barrier()
