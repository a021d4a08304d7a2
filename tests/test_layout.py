"""The house: one name per stage, the same in the tab, core/<stage>/, studio/tabs/<stage>/ and tests/core/<stage>/.

A newcomer walks from a tab to its code in one hop; these tests keep it that way.
"""

from __future__ import annotations

from pathlib import Path

from studio.app import TABS

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("documents", "generate", "review", "train", "evaluate", "compare", "deploy")
# Packages of core/ that serve every stage rather than being one.
SHARED_CORE_PACKAGES = {"commands", "inference", "jobs", "models", "store"}
# Modules at the root of core/: the CLI entry point and facts every stage reads.
CORE_ROOT_MODULES = {"__init__", "cli", "doctor", "paths", "policy", "web"}
TAB_PARTS = {"layout.py", "handlers.py", "display.py"}


def packages(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def test_the_tabs_are_the_stages_in_pipeline_order() -> None:
    assert tuple(name for _, name in TABS) == STAGES
    assert [label.lower() for label, _ in TABS] == list(STAGES)


def test_core_has_one_package_per_stage_and_the_shared_ones() -> None:
    assert packages(ROOT / "core") == set(STAGES) | SHARED_CORE_PACKAGES
    assert {p.stem for p in (ROOT / "core").glob("*.py")} == CORE_ROOT_MODULES


def test_studio_has_one_package_per_tab_with_layout_handlers_and_display() -> None:
    assert packages(ROOT / "studio" / "tabs") == set(STAGES)
    for stage in STAGES:
        present = {p.name for p in (ROOT / "studio" / "tabs" / stage).glob("*.py")}
        assert present >= TAB_PARTS, f"studio/tabs/{stage}/ lacks {sorted(TAB_PARTS - present)}"


def test_no_studio_module_outside_tabs_names_a_stage() -> None:
    outside = [p for p in (ROOT / "studio").glob("*.py")]
    named = [p.name for p in outside if any(stage in p.stem for stage in STAGES)]
    assert named == [], f"{named}: a tab's module belongs in studio/tabs/<stage>/"


def test_core_tests_mirror_the_core_packages() -> None:
    assert set(STAGES) <= packages(ROOT / "tests" / "core")
    assert packages(ROOT / "tests" / "core") <= set(STAGES) | SHARED_CORE_PACKAGES
