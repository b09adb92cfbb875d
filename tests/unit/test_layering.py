"""Each third-party library stays in its module; the core never imports a UI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "review"

# library -> the modules (paths relative to review/) allowed to import it
OWNERS = {
    "textual": ("tui/",),
    "textual_plotext": ("tui/",),
    "click": ("cli/",),
    "sqlite_utils": ("store.py", "schema.py"),
    "spacy": ("text.py",),
    "sklearn": ("ranker.py",),
}
CORE_MUST_NOT_IMPORT = ("review.tui", "review.cli")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_third_party_imports_stay_in_their_module(path: Path) -> None:
    rel = path.relative_to(PACKAGE).as_posix()
    for name in _imports(path):
        top = name.split(".")[0]
        if top in OWNERS:
            assert rel.startswith(OWNERS[top]), f"{rel} imports {name}; only {OWNERS[top]} may"
        if not rel.startswith(("tui/", "cli/", "__main__")):
            assert not name.startswith(CORE_MUST_NOT_IMPORT), f"core module {rel} imports {name}"
