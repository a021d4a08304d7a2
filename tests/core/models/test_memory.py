"""The memory limit comes from the container's cgroup (v2 memory.max, v1 memory.limit_in_bytes), else the RAM."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from core.models import memory
from core.models.memory import GIB, MemoryLimit, available_memory_gib, read_memory_limit

RAM = 64 * GIB


def fake_cgroup(root: Path, files: dict[str, str], self_lines: str = "0::/\n") -> tuple[Path, Path]:
    for name, text in files.items():
        path = root / "cg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "self").write_text(self_lines)
    return root / "cg", root / "self"


@pytest.fixture
def plenty_of_ram(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host has far more free RAM than the pod may use, as on a shared node."""
    monkeypatch.setattr(
        memory.psutil, "virtual_memory", lambda: SimpleNamespace(total=RAM, available=RAM - GIB)
    )


def test_cgroup_v2_memory_max_is_the_limit(tmp_path: Path) -> None:
    cg, me = fake_cgroup(tmp_path, {"memory.max": str(8 * GIB), "memory.current": str(GIB)})
    limit = read_memory_limit(cg, me, ram_bytes=RAM)
    assert limit.gib == 8.0
    assert limit.source == "cgroup v2 memory.max"
    assert limit.from_cgroup and limit.path == str(cg / "memory.max")


def test_cgroup_v2_max_means_no_limit_and_the_ram_counts(tmp_path: Path) -> None:
    cg, me = fake_cgroup(tmp_path, {"memory.max": "max\n"})
    limit = read_memory_limit(cg, me, ram_bytes=RAM)
    assert (limit.gib, limit.source, limit.from_cgroup) == (64.0, "machine RAM", False)


def test_cgroup_v2_limit_of_the_process_own_cgroup_wins(tmp_path: Path) -> None:
    cg, me = fake_cgroup(
        tmp_path,
        {"memory.max": "max", "kubepods/pod1/memory.max": str(6 * GIB)},
        self_lines="0::/kubepods/pod1\n",
    )
    assert read_memory_limit(cg, me, ram_bytes=RAM).gib == 6.0


def test_cgroup_v1_limit_in_bytes_is_the_limit(tmp_path: Path) -> None:
    cg, me = fake_cgroup(
        tmp_path,
        {"memory/memory.limit_in_bytes": str(8 * GIB), "memory/memory.usage_in_bytes": str(2 * GIB)},
        self_lines="4:memory:/docker/abc\n0::/\n",
    )
    limit = read_memory_limit(cg, me, ram_bytes=RAM)
    assert (limit.gib, limit.source) == (8.0, "cgroup v1 memory.limit_in_bytes")


def test_cgroup_v1_unlimited_reads_as_the_ram(tmp_path: Path) -> None:
    cg, me = fake_cgroup(tmp_path, {"memory/memory.limit_in_bytes": "9223372036854771712"}, "4:memory:/\n")
    assert read_memory_limit(cg, me, ram_bytes=RAM).source == "machine RAM"


def test_limit_above_the_ram_is_not_a_limit(tmp_path: Path) -> None:
    cg, me = fake_cgroup(tmp_path, {"memory.max": str(128 * GIB)})
    assert read_memory_limit(cg, me, ram_bytes=RAM).gib == 64.0


def test_available_memory_is_what_the_cgroup_has_left_not_the_host_ram(
    tmp_path: Path, plenty_of_ram: None
) -> None:
    cg, me = fake_cgroup(
        tmp_path,
        {
            "memory.max": str(8 * GIB),
            "memory.current": str(3 * GIB),
            # one GiB of it is page cache the kernel can drop: it does not count as used
            "memory.stat": f"anon {2 * GIB}\ninactive_file {GIB}\n",
        },
    )
    assert available_memory_gib(read_memory_limit(cg, me, ram_bytes=RAM)) == pytest.approx(6.0)


def test_available_memory_without_a_limit_is_the_ram_available(plenty_of_ram: None) -> None:
    assert available_memory_gib(MemoryLimit(64.0, "machine RAM")) == pytest.approx(63.0)
