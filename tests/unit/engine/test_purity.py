"""The engine is pure Python: no Django, no I/O, standard library only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from regimens.engine.rules import RULE_ORDER, RULES

ENGINE = Path(__file__).parents[3] / "regimens" / "engine"
STDLIB_ALLOWED = {
    "__future__",
    "dataclasses",
    "datetime",
    "typing",
    "collections",
    "collections.abc",
    "math",
    "functools",
}


def test_importing_the_engine_in_a_fresh_interpreter_does_not_import_django() -> None:
    code = "import sys, regimens.engine; assert 'django' not in sys.modules, 'django imported'; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ENGINE.parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_engine_modules_import_only_the_standard_library_and_do_no_io() -> None:
    for path in sorted(ENGINE.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert {alias.name for alias in node.names} <= STDLIB_ALLOWED, path.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module in STDLIB_ALLOWED, f"{path.name}: {node.module}"
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                assert name not in {"open", "print", "input", "now", "today", "utcnow", "getenv"}, path.name


def test_modules_stay_small() -> None:
    for path in ENGINE.glob("*.py"):
        assert len(path.read_text().splitlines()) < 600, path.name


def test_rule_registry_is_ordered_and_every_rule_has_a_citation() -> None:
    assert len(RULE_ORDER) == len(set(RULE_ORDER)) == len(RULES)
    assert all(rule.citation and rule.explanation for rule in RULES.values())
