"""The shipped and built-in models each task reaches for by name: what runs by default (the student), what the
Compare tab sets against it (the teacher) and the plain baseline. Kept apart from models.py, which imports torch,
so the CLI's parser can show the defaults without loading it."""

from __future__ import annotations

from typing import NamedTuple


class Preferred(NamedTuple):
    student: str
    teacher: str
    baseline: str


PREFERRED = {"upscale": Preferred("vsr-x4-student", "vsr-x4-teacher", "bicubic"),
             "interpolate": Preferred("vfi-x2-student", "vfi-x2-teacher", "blend")}
