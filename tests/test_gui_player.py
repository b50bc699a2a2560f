"""A video whose frame rate is not known is played at the rate a folder of frames is timed at (`ASSUMED_FPS`), not a
second number of the player's own."""

from __future__ import annotations

from gui_support import gui_env  # noqa: F401
from vsr_app.gui import player
from vsr_app.gui.player import Player


def test_a_frame_rate_not_known_is_the_one_a_folder_of_frames_is_timed_at(gui_env, monkeypatch):
    monkeypatch.setattr(player, "ASSUMED_FPS", 30)
    played = Player()
    assert played.times(30) == 1.0  # before any video
    played.set_video(60, 50.0)
    played.set_video(60, 0.0)
    assert played.fps == 30.0 and played.times(60) == 2.0
