"""The data flows one way: ``index/`` never imports ``bot/`` (the engine knows nothing of Telegram)."""

from __future__ import annotations

import ast
from pathlib import Path

import index

INDEX_DIR = Path(index.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_index_imports_nothing_from_bot() -> None:
    modules = sorted(INDEX_DIR.rglob("*.py"))
    assert len(modules) > 20
    offenders = {
        str(path.relative_to(INDEX_DIR)): sorted(m for m in imported_modules(path) if m == "bot" or m.startswith("bot."))
        for path in modules
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_import_scan_sees_bot_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import os\nfrom bot.i18n import text\ndef f():\n    import bot.render\n", encoding="utf-8")
    assert imported_modules(sample) == {"os", "bot.i18n", "bot.render"}
