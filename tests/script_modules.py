"""Scripts under benchmarks/ and scripts/ as modules, for tests that call their functions or patch their names
(runpy.run_path returns a copy of a script's globals, which a patch does not reach)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_script(relative: str) -> ModuleType:
    """The script at `relative` to the repository (e.g. "benchmarks/regression.py"), run as a module of its name."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
