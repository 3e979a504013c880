"""The layers of bot/ import only downwards (docs/architecture.md, "Layers").

Every import counts, including those under ``if TYPE_CHECKING:`` and inside functions: a type
import still ties a pure layer to what it names. A failure names the file, the line and the
import, and the way out: move what is needed down into a neutral module, or pass plain values.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"

# Importing discord.py, the storage, the services, the features or the Bot itself from a pure
# layer would make it need Discord or a database to be tested.
_OUTER = (
    "discord", "asyncpg", "sqlite3", "bot.store", "bot.services", "bot.features", "bot.app", "bot.process"
)

# layer (a package of bot/) -> the modules it must not import, each with the rule's reason
RULES: dict[str, tuple[tuple[str, ...], str]] = {
    "content": (
        (*_OUTER, "bot.render", "bot.scheduling", "bot.stats"),
        "content is the bottom layer: pure, and shared by render, scheduling and the CLI",
    ),
    "render": ((*_OUTER, "bot.scheduling"), "render is pure: plain values in, embed dicts and text out"),
    "scheduling": ((*_OUTER, "bot.render"), "scheduling (recurrence, queue, ...) is pure"),
    "stats": (_OUTER, "stats is pure participation maths"),
    "store": (
        ("discord", "bot.services", "bot.features", "bot.app", "bot.process"),
        "the store knows rows and SQL, not Discord nor who calls it",
    ),
    "services": (
        ("bot.features",),
        "services sit below the features: what both need lives in services or a neutral module",
    ),
}


def imported_modules(path: Path, bot: Path = BOT) -> list[tuple[int, str]]:
    """Every module ``path`` imports, absolute, with its line (``from x import y``: x and x.y)."""
    package = ".".join(path.relative_to(bot.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(layer: str, bot: Path = BOT) -> list[str]:
    forbidden, _ = RULES[layer]
    lines: dict[tuple[Path, int], str] = {}  # one finding a line (``from x import y``: x, else x.y)
    for path in sorted((bot / layer).rglob("*.py")):
        for line, module in imported_modules(path, bot):
            hit = next((prefix for prefix in forbidden if _within(module, prefix)), None)
            if hit is not None and (path, line) not in lines:
                where = path.relative_to(bot.parent)
                lines[path, line] = f"{where}:{line}: imports {module} ({hit} is above {layer})"
    return sorted(lines.values())


@pytest.mark.parametrize("layer", sorted(RULES))
def test_a_layer_imports_nothing_above_it(layer):
    assert (BOT / layer).is_dir(), f"bot/{layer} is gone: update RULES in {Path(__file__).name}"
    found = violations(layer)
    assert found == [], f"{RULES[layer][1]}:\n" + "\n".join(found)


def test_the_rule_sees_type_checking_and_relative_imports(tmp_path):
    """The checker itself: an import hidden under TYPE_CHECKING or written relatively is found."""
    fake_bot = tmp_path / "bot"
    (fake_bot / "render").mkdir(parents=True)
    (fake_bot / "render" / "__init__.py").write_text("")
    (fake_bot / "render" / "sneaky.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from bot.store.rows import Schedule\n"
        "from ..services import poster\n"
        "def later():\n"
        "    import discord.ui\n"
        "from bot import features\n"
    )
    assert violations("render", fake_bot) == [
        "bot/render/sneaky.py:3: imports bot.store.rows (bot.store is above render)",
        "bot/render/sneaky.py:4: imports bot.services (bot.services is above render)",
        "bot/render/sneaky.py:6: imports discord.ui (discord is above render)",
        "bot/render/sneaky.py:7: imports bot.features (bot.features is above render)",
    ]
