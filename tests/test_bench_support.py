"""Benchmarks share their helpers through benchmarks/bench_support.py (and cut_runs.py, the cut tables' clips), never
by importing another benchmark: a change to one benchmark's script broke the others that took its helpers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SHARED = {"bench_support", "cut_runs"}  # not benchmarks themselves: what benchmarks share
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if p.stem not in SHARED)


def _imported(path: Path) -> set[str]:
    """The top-level names of the modules `path` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_a_benchmark_imports_no_other_benchmark(script):
    benchmarks = {p.stem for p in SCRIPTS} - {script.stem}
    assert _imported(script) & benchmarks == set()


def test_one_reader_of_the_process_memory():
    reads = 'open("/proc/self/status"'
    readers = [p.name for p in BENCHMARKS.glob("*.py") if reads in p.read_text(encoding="utf-8")]
    assert readers == ["bench_support.py"]
