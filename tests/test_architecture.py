"""The shape of the house, kept by walking every module's imports (`ast`, not text matching).

- Imports flow one way: `handlers -> bot`. No module of the core imports a Slack library or
  `handlers`, except the composition root (`bot.app`) and the HTTP server (`bot.server`).
- One door per third-party library: a dependency can be swapped in one place.
- No import loop among the project's modules (imports inside functions and under
  TYPE_CHECKING count too: a loop there is still a loop in the design).
"""
from __future__ import annotations

import ast
from pathlib import Path
from paths import ROOT

PACKAGES = ("bot", "handlers")
SLACK = ("slack_bolt", "slack_sdk")
KNOWS_SLACK = {"bot.app", "bot.server"}
# library -> the only modules that may import it
DOORS = {
    "jieba": {"bot.segment"},
    "rjieba": {"bot.segment"},
    "rapidfuzz": {"bot.search.fuzzy"},
    "yaml": {"bot.settings"},
    "opencc": {"bot.corpus.text"},
    "pypinyin": {"bot.query"},
    "apscheduler": {"bot.jobs", "bot.cron"},
    "starlette": {"bot.server"},
    "uvicorn": {"bot.server"},
    "sqlalchemy": {"bot.store", "bot.migrations.env"} | {f"bot.migrations.versions.{p.stem}" for p in
                                                          (ROOT / "bot" / "migrations" / "versions").glob("*.py")},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module `path` imports, anywhere in the file, as absolute dotted names."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parents + ([base] if base else []))
            # `from handlers import blocks` imports the module handlers.blocks, not the package's code.
            submodules = {f"{base}.{alias.name}" for alias in node.names} & known
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(base)
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def test_the_core_imports_no_slack_library_and_nothing_of_handlers():
    for name, imported in graph().items():
        if name.startswith("bot") and name not in KNOWS_SLACK:
            wrong = sorted(i for i in imported if i.split(".")[0] in SLACK + ("handlers",))
            assert not wrong, f"{name} imports {wrong}"


def test_each_library_has_one_door():
    for name, imported in graph().items():
        for library, doors in DOORS.items():
            if any(i == library or i.startswith(library + ".") for i in imported):
                assert name in doors, f"{name} imports {library}; only {sorted(doors)} may"


def test_there_is_no_import_loop():
    known = set(modules())
    edges = {name: {i for i in imported if i in known} for name, imported in graph().items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                loop = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import loop: " + " -> ".join(loop))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_the_guard_sees_what_it_guards():
    """The walk must find real imports, or the tests above would pass on nothing."""
    g = graph()
    assert "handlers.blocks" in g["handlers.commands"]
    assert "jieba" in g["bot.segment"] or "rjieba" in g["bot.segment"]
    assert "slack_bolt" in g["bot.app"]
