"""How much memory this process may use: the container's cgroup limit where there is one, else the RAM.

    limit = read_memory_limit()          # MemoryLimit(gib=8.0, source="cgroup v2 memory.max", ...)
    free = available_memory_gib(limit)   # what is free under that limit right now

In a Kubernetes pod (a notebook workbench raised to 8 GB, say) the machine can have 256 GB of RAM while
the pod is killed past 8 GB, so the limit that counts is the cgroup's: v2 `memory.max`, v1
`memory.limit_in_bytes`. "max" (v2) or a huge number (v1, "unlimited") means no limit. The paths are
parameters so tests can point them at fake cgroup files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

GIB = 1024**3
CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")
# cgroup v1 reports "no limit" as the largest page-aligned 63-bit number; anything above 1 PiB is that.
V1_UNLIMITED = 1 << 50


@dataclass(frozen=True)
class MemoryLimit:
    """The memory this process may use and where that number came from (for doctor and the estimate)."""

    gib: float
    source: str  # "cgroup v2 memory.max", "cgroup v1 memory.limit_in_bytes" or "machine RAM"
    path: str = ""  # the file read, for a person checking by hand
    usage_file: str = ""  # where the cgroup's current use is read ("" for machine RAM)
    stat_file: str = ""

    @property
    def from_cgroup(self) -> bool:
        return self.source.startswith("cgroup")


def read_memory_limit(
    root: Path = CGROUP_ROOT, self_cgroup: Path = PROC_SELF_CGROUP, ram_bytes: int | None = None
) -> MemoryLimit:
    """The cgroup's limit when it is below the machine's RAM, else the RAM."""
    ram = ram_bytes if ram_bytes is not None else psutil.virtual_memory().total
    paths = _cgroup_paths(self_cgroup)
    for limit_file, usage_file, stat_file, source in _candidates(root, paths):
        value = _read_limit(limit_file)
        if value is None:
            continue
        if value < ram:
            return MemoryLimit(value / GIB, source, str(limit_file), str(usage_file), str(stat_file))
        log.debug("%s is %s bytes, above the RAM (%s): no container limit", limit_file, value, ram)
        break
    return MemoryLimit(ram / GIB, "machine RAM", "/proc/meminfo")


def available_memory_gib(limit: MemoryLimit) -> float:
    """Memory free for a new run now: the RAM's available bytes, and under a cgroup limit also what the
    cgroup has not used (page cache that the kernel can drop does not count as used, as kubelet counts it)."""
    free = psutil.virtual_memory().available / GIB
    if not limit.from_cgroup:
        return free
    used = _read_int(Path(limit.usage_file))
    if used is None:
        return min(free, limit.gib)
    reclaimable = _inactive_file(Path(limit.stat_file))
    return max(0.0, min(free, limit.gib - max(0, used - reclaimable) / GIB))


def _cgroup_paths(self_cgroup: Path) -> dict[str, str]:
    """This process's cgroup path per hierarchy ("" for v2, "memory" for v1) from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    try:
        lines = self_cgroup.read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path.strip("/")
    return paths


def _candidates(root: Path, paths: dict[str, str]) -> list[tuple[Path, Path, Path, str]]:
    """Limit files to try, nearest first: this process's own cgroup, then the namespace root (where a
    container usually sees its limit, since its cgroup path from /proc/self/cgroup is the host's)."""
    found = []
    v2_dirs = [root / paths[""]] if paths.get("") else []
    for folder in [*v2_dirs, root]:
        found.append((folder / "memory.max", folder / "memory.current", folder / "memory.stat", "cgroup v2"))
    v1_dirs = [root / "memory" / paths["memory"]] if paths.get("memory") else []
    for folder in [*v1_dirs, root / "memory"]:
        found.append(
            (
                folder / "memory.limit_in_bytes",
                folder / "memory.usage_in_bytes",
                folder / "memory.stat",
                "cgroup v1",
            )
        )
    return [
        (limit, usage, stat, f"{kind} {limit.name}") for limit, usage, stat, kind in found if limit.is_file()
    ]


def _read_limit(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        log.info("unreadable memory limit in %s: %r", path, text[:40])
        return None
    return None if value <= 0 or value >= V1_UNLIMITED else value


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _inactive_file(stat: Path) -> int:
    try:
        lines = stat.read_text().splitlines()
    except OSError:
        return 0
    values = dict(line.split(" ", 1) for line in lines if " " in line)
    raw = values.get("inactive_file") or values.get("total_inactive_file") or "0"
    return int(raw) if raw.strip().isdigit() else 0
