"""The packages' imports point one way: a walk of every import statement finds no circle.

Every ``import`` and ``from … import`` of hailong/, kiosk/ and hub/ counts, those inside
functions too (a circle postponed into a function is still a circle a reader has to untangle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support import REPO

ROOT = REPO
PACKAGES = ("hailong", "kiosk", "hub")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imported(path: Path, name: str, known: dict[str, Path]) -> Iterator[str]:
    """The project's modules one file imports (a package's ``__init__`` when it names one)."""
    is_package = path.name == "__init__.py"
    parts = name.split(".")
    own_packages = {".".join(parts[:i]) for i in range(1, len(parts) + (1 if is_package else 0))}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from package import module`` names the module; ``from module import name``
            # names the module.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if not target or target == name:
                continue
            yield target
            # Importing a.b.c runs a/__init__ and a/b/__init__ first, unless the importer
            # lives in them (then they are already being run).
            parent = target.rpartition(".")[0]
            while parent:
                if parent in known and parent not in own_packages:
                    yield parent
                parent = parent.rpartition(".")[0]


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: set(imported(path, name, known)) for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_the_imports() -> None:
    edges = graph()
    assert "hailong.contract" in edges["hub.ingest.ingest"]
    assert "hub.store" in edges["hub.app"] or any(e.startswith("hub.store.") for e in edges["hub.app"])


def test_a_circle_is_found() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle() -> None:
    found = circles(graph())
    assert not found, "import circles:\n" + "\n".join(" → ".join(c) for c in found)


# What each stage of the hub may import besides hailong/ and itself (docs/architecture.md):
# adapters point at the core, never back. hub/app.py and hub/cli.py wire everything.
STAGES = {
    "hub.settings": set(),  # and hub/web/settings.py, its [web] section
    "hub.roster": {"hub.settings"},
    "hub.i18n": set(),
    "hub.store": {"hub.roster", "hub.settings"},
    "hub.ingest": {"hub.store", "hub.settings"},
    "hub.scores": {"hub.store", "hub.settings"},
    "hub.admin": {"hub.store", "hub.scores", "hub.roster", "hub.settings", "hub.i18n"},
    "hub.documents": {"hub.scores", "hub.settings", "hub.i18n"},
    "hub.web": {"hub.store", "hub.scores", "hub.admin", "hub.roster", "hub.settings", "hub.i18n",
                "hub.documents"},
    # alert notifications: queued through the store, sent by their own thread (issue 19)
    "hub.notify": {"hub.store", "hub.scores", "hub.admin", "hub.settings", "hub.i18n"},
}
# Sections of the settings that live beside their stage: hub.settings may import only these.
SETTINGS_SECTIONS = {"hub.web": ("hub.web", "hub.web.settings"),
                     "hub.documents": ("hub.documents", "hub.documents.settings"),
                     "hub.notify": ("hub.notify", "hub.notify.settings")}


def stage_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_stages_import_downward_only() -> None:
    upward = []
    for module, targets in graph().items():
        stage = stage_of(module)
        if stage not in STAGES:
            continue
        for target in targets:
            other = stage_of(target)
            if stage == "hub.settings" and other in SETTINGS_SECTIONS:
                allowed = target in SETTINGS_SECTIONS[other]
            else:
                allowed = other == stage or other in STAGES[stage] or other == "hub"
            if target.startswith("hub") and not allowed:
                upward.append(f"{module} → {target}")
    assert not upward, "imports against the pipeline:\n" + "\n".join(sorted(upward))


# -- the test suite's own layout (tests/README.md) -----------------------------------------
TESTS = ROOT / "tests"
SUPPORT = TESTS / "support"


def imported_test_modules(source: str) -> list[str]:
    """The test modules and conftest files that ``source`` imports (helpers belong in
    tests/support/ or a conftest.py's fixtures, so that a test file can move alone)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            parts = name.lstrip(".").split(".")
            within_tests = name.startswith(".") or parts[0] == "tests"
            if within_tests and any(p.startswith("test_") or p == "conftest" for p in parts):
                found.append(name)
    return sorted(set(found))



def test_the_rule_sees_every_way_of_importing_a_test_module() -> None:
    source = ("from tests.web.test_pages import site\nfrom tests.hub import test_ingest\n"
              "import tests.kiosk.test_flow\nfrom .test_outbox import build\n"
              "from tests.conftest import broker\n"
              "from tests.support.hubdata import response\nfrom tests.support import wait_until\n")
    assert imported_test_modules(source) == [
        ".test_outbox", ".test_outbox.build", "tests.conftest", "tests.conftest.broker",
        "tests.hub.test_ingest", "tests.kiosk.test_flow", "tests.web.test_pages",
        "tests.web.test_pages.site"]


def test_no_test_module_imports_another() -> None:
    found = [f"{path.relative_to(ROOT)}: {name}" for path in sorted(TESTS.rglob("*.py"))
             for name in imported_test_modules(path.read_text(encoding="utf-8"))]
    assert not found, ("move what these share into tests/support/ or a conftest.py:\n"
                       + "\n".join(found))


def test_tests_mirror_the_packages_and_shadow_none() -> None:
    import hailong
    import hub
    import kiosk

    for package in (hailong, hub, kiosk):
        assert Path(str(package.__file__)).parent.parent == ROOT, package.__file__
    folders = [p for p in TESTS.rglob("*") if p.is_dir() and p.name != "__pycache__"]
    assert [str(p.relative_to(ROOT)) for p in folders if not (p / "__init__.py").exists()] == []
    loose = sorted(p.name for p in TESTS.glob("test_*.py"))
    assert loose == [], f"put these in the directory of what they test (tests/README.md): {loose}"
    helpers = sorted(str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py")
                     if SUPPORT not in p.parents and p.name not in ("__init__.py", "conftest.py")
                     and not p.name.startswith("test_"))
    assert helpers == [], f"helpers belong in tests/support/ (tests/README.md): {helpers}"
