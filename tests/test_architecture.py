"""The stages import downwards only (docs/architecture.md): a package never imports one below it."""

from __future__ import annotations

import ast
from pathlib import Path

import tracker

PACKAGE = Path(tracker.__file__).resolve().parent

# top to bottom: a module may import its own layer and any layer earlier in this list
LAYERS = (
    ("__init__", "errors", "config", "records", "text", "clock", "heap"),
    ("baseline",),
    ("pubmed",),
    ("store",),
    ("evidence",),
    ("ingest",),
    ("review",),
    ("report",),
    ("digest",),
    ("feed",),
    ("web",),
    ("demo",),
    ("cli",),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def stage_of(module: str) -> str:
    """'tracker.evidence.snapshots' -> 'evidence'; 'tracker.config' -> 'config'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "tracker" or name.startswith("tracker.")}


def test_every_stage_is_placed_in_a_layer():
    stages = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
              if (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert stages <= set(RANK), f"add {sorted(stages - set(RANK))} to LAYERS and the docs"


def test_imports_flow_downwards_only():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        own = stage_of(".".join(relative.parts))
        for module in imported_modules(path):
            target = stage_of(module)
            if RANK[target] > RANK[own]:
                wrong.append(f"{relative}: imports {module}")
    assert not wrong, "imports that run back up:\n" + "\n".join(wrong)
