"""Shared fixtures: tiny generated videos (made once per test session) and the project's test media."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

import pytest

from videogen import make_video

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
VFR_TIMES = [0.0, 0.1, 0.15, 0.3, 0.32, 0.5, 0.55, 0.7, 0.9, 1.0, 1.05, 1.2]


@pytest.fixture(autouse=True)
def user_data_under_home(monkeypatch):
    """The user's data folder follows HOME, which tests point at a temporary folder: an XDG_DATA_HOME set where the
    tests run would put the models a test installs among the user's own."""
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)


@pytest.fixture(autouse=True, scope="session")
def cache_under_tmp(tmp_path_factory):
    """The user's cache folder (`cpu_precision`'s measurement) one temporary folder for the whole run and the commands
    it starts: not the user's own, and the probe measured once, not by every command a test runs."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def app_on_path(monkeypatch):
    """`vsr-app` on PATH, as an install has it: the commands the app prints to paste then name it so
    (`shell.app_command`), where run-tests, which runs .venv's Python without .venv/bin on PATH, got its full path."""
    monkeypatch.setenv("PATH", os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")]))


@pytest.fixture(autouse=True)
def threads_as_they_were():
    """A test that trains or runs with `threads` set (`ops.set_threads`) set torch's and OpenCV's for the whole
    process: put back, so a later test's thread count does not depend on the order the tests ran in (nor is torch
    imported here for a test that needs none)."""
    torch, cv2 = sys.modules.get("torch"), sys.modules.get("cv2")
    before = (torch.get_num_threads() if torch else None, cv2.getNumThreads() if cv2 else None)
    yield
    if before[0] is not None and torch.get_num_threads() != before[0]:
        torch.set_num_threads(before[0])
    if before[1] is not None and cv2.getNumThreads() != before[1]:
        cv2.setNumThreads(before[1])


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def small_video(media_dir) -> Path:
    """12 frames, 64x48, 10 fps, H.264 with an AAC tone of the same length."""
    return make_video(media_dir / "small.mp4", audio="aac")


@pytest.fixture(scope="session")
def vfr_video(media_dir) -> Path:
    """12 frames at irregular times (VFR_TIMES)."""
    return make_video(media_dir / "vfr.mp4", times=VFR_TIMES)


@pytest.fixture(scope="session")
def rotated_video(media_dir) -> Path:
    """64x48 coded, displayed rotated 90 degrees counter-clockwise (as phones write it)."""
    return make_video(media_dir / "rotated.mp4", frames=6, rotation=90)


@pytest.fixture(scope="session")
def ten_bit_video(media_dir) -> Path:
    return make_video(media_dir / "tenbit.mp4", frames=8, codec="libx265", pix_fmt="yuv420p10le")


@pytest.fixture(scope="session")
def yuv444_video(media_dir) -> Path:
    return make_video(media_dir / "yuv444.mp4", frames=8, pix_fmt="yuv444p")


@pytest.fixture(scope="session")
def odd_video(media_dir) -> Path:
    """33x19: odd in both directions (FFV1 stores odd 4:2:0 sizes; H.264 4:2:0 cannot)."""
    return make_video(media_dir / "odd.mkv", frames=8, width=33, height=19, codec="ffv1")


@pytest.fixture(scope="session")
def pcm_subtitled_video(media_dir) -> Path:
    """Matroska with PCM audio (not allowed in MP4) and a SubRip subtitle stream."""
    return make_video(media_dir / "pcm_subs.mkv", audio="pcm_s16le", subtitles=True)


@pytest.fixture(scope="session")
def scene_cuts_path() -> Path:
    path = DATA / "test" / "scene_cuts.mp4"
    if not path.is_file():
        pytest.skip(f"test media missing: {path}")
    return path
