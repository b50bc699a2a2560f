"""The gui modules that say they hold no Qt import none: they are read and tested without a window, and a claim the
imports had broken (train_form loaded PySide6 through fmt and theme) went unnoticed."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# a module's docstring saying it is Qt-free, in the two ways they say it
QT_FREE = re.compile(r"No Qt here|Qt-free, so")


def qt_free_modules() -> list[str]:
    gui = sorted((ROOT / "vsr_app" / "gui").glob("*.py"))
    return [f"vsr_app.gui.{path.stem}" for path in gui
            if QT_FREE.search(ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "")]


def test_the_modules_that_say_so_are_found():
    assert {f"vsr_app.gui.{name}" for name in ("train_form", "fmt", "wording", "colours", "codecs", "run_files",
                                               "run_checks", "run_plan", "prune_start")} <= set(qt_free_modules())


@pytest.mark.parametrize("module", qt_free_modules())
def test_a_module_that_says_it_holds_no_qt_imports_none(module):
    probe = f"import sys, {module}; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
