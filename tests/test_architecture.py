"""The package's shape, checked on its source: which layer may import which, where SQL lives,
how long a module or a function may grow. ``docs/architecture.md`` explains the rules."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mairie_cli"

#: SQL written as a string: only the storage layer holds it.
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|VIRTUAL)"
    r"|ALTER\s+TABLE|PRAGMA\s+\w+)",
    re.DOTALL,
)
MAX_MODULE_LINES = 420  # « about 400 »
MAX_FUNCTION_LINES = 60
#: Schemas and tables may be longer: they read best in one piece.
LONG_ON_PURPOSE = {
    "storage/association/migrations.py:m001_association",
    "storage/commune/migrations.py:m001_register",
}


def modules() -> list[tuple[str, ast.Module]]:
    """Every module of the package: its dotted name and its syntax tree."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        found.append((".".join(parts), ast.parse(path.read_text(encoding="utf-8"))))
    return found


def imports(name: str, tree: ast.Module) -> set[str]:
    """Every module imported anywhere in a module (in functions too: lazy imports count, and
    those only made for type checking). ``from a import b`` counts as ``a`` and ``a.b``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{name} : import relatif, écrivez le chemin complet"
            found.add(node.module or "")
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {module for module in found if module.startswith("mairie_cli")}


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations() -> list[str]:
    problems = []
    for name, tree in modules():
        for target in sorted(imports(name, tree)):
            if within(name, "mairie_cli.cli"):
                if within(target, "mairie_cli.storage") or within(target, "mairie_cli.crypto"):
                    problems.append(f"{name} (ligne de commande) importe {target}")
            elif within(name, "mairie_cli.services"):
                # The three wings (commune, association, national) never import one another.
                for wing in WINGS:
                    others = [w for w in WINGS if w != wing and within(target, f"mairie_cli.services.{w}")]
                    if within(name, f"mairie_cli.services.{wing}") and others:
                        problems.append(f"{name} ({wing}) importe {target} ({others[0]})")
            elif name != "mairie_cli.__main__" and (
                within(target, "mairie_cli.services") or within(target, "mairie_cli.cli")
            ):
                problems.append(f"{name} (couche basse) importe {target}")
    return problems


WINGS = ("commune", "association", "national")


def test_imports_go_one_way():
    assert violations() == []


def test_the_checker_sees_a_forbidden_import(monkeypatch):
    """The rules above would catch a lazy import running back up (the check can fail)."""
    tree = ast.parse("def f():\n    from mairie_cli.services.commune.register import Register\n")
    assert imports("mairie_cli.bundle.verify", tree) == {
        "mairie_cli.services.commune.register",
        "mairie_cli.services.commune.register.Register",
    }
    real = modules()
    monkeypatch.setattr(
        __import__(__name__, fromlist=["modules"]), "modules", lambda: [*real, ("mairie_cli.bundle.x", tree)]
    )
    assert violations() == [
        "mairie_cli.bundle.x (couche basse) importe mairie_cli.services.commune.register",
        "mairie_cli.bundle.x (couche basse) importe mairie_cli.services.commune.register.Register",
    ]


def sql_outside_storage() -> list[str]:
    found = []
    for name, tree in modules():
        if within(name, "mairie_cli.storage"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                found.append(f"{name}, ligne {node.lineno} : {node.value[:60]!r}")
    return found


def test_sql_only_in_storage():
    assert sql_outside_storage() == []
    assert SQL.search("SELECT count(*) FROM contributions WHERE deleted_at IS NULL")
    assert not SQL.search("Sélectionnez le cahier à mettre à jour")


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_short(path: Path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    relative = path.relative_to(PACKAGE).as_posix()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if f"{relative}:{node.name}" in LONG_ON_PURPOSE:
                continue
            body = (node.end_lineno or node.lineno) - node.body[0].lineno + 1
            assert body <= MAX_FUNCTION_LINES, f"{relative}:{node.name} fait {body} lignes"


@pytest.mark.slow
def test_the_wheel_carries_every_file_the_package_reads(tmp_path: Path):
    """What users install: the built wheel holds each data file of the package (the taxonomy
    was once missing from it) and none of the test generators."""
    import shutil
    import subprocess
    import sys
    import zipfile

    root = PACKAGE.parent
    # Built from a bare copy, as a clean clone would be (an egg-info left by an editable
    # install would otherwise add the files it lists).
    source = tmp_path / "source"
    source.mkdir()
    shutil.copytree(PACKAGE, source / "mairie_cli", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("mairie_cli-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    data_files = {
        p.relative_to(root).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert data_files  # the taxonomy at least
    assert data_files <= inside
    assert {p.relative_to(root).as_posix() for p in PACKAGE.rglob("*.py")} <= inside
    assert not [name for name in inside if name.startswith("testkit/")]
