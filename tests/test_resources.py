"""Where the app finds its own files and keeps the user's."""

from __future__ import annotations

import pytest

from vsr_app.resources import cache_home, data_home, user_models_dir


def test_the_users_models_and_entry_go_where_xdg_data_home_says_a_relative_one_ignored(tmp_path, monkeypatch):
    """Models trained by the user went to ~/.local/share whatever XDG_DATA_HOME said."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert user_models_dir() == tmp_path / "data" / "vsr-app" / "models"
    monkeypatch.setenv("XDG_DATA_HOME", "rel/share")
    assert data_home() == tmp_path / ".local" / "share"
    assert user_models_dir() == tmp_path / ".local" / "share" / "vsr-app" / "models"


def test_models_kept_in_local_share_before_xdg_data_home_was_honoured_are_still_found(tmp_path, monkeypatch):
    """Trained models vanished after the update for a user whose session sets XDG_DATA_HOME: they stay where they
    are found until the data folder has its own."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    earlier = tmp_path / ".local" / "share" / "vsr-app" / "models"
    earlier.mkdir(parents=True)
    assert user_models_dir() == earlier
    (tmp_path / "data" / "vsr-app" / "models").mkdir(parents=True)
    assert user_models_dir() == tmp_path / "data" / "vsr-app" / "models"


@pytest.mark.parametrize(("folder", "variable", "default"), [(data_home, "XDG_DATA_HOME", ".local/share"),
                                                             (cache_home, "XDG_CACHE_HOME", ".cache")])
def test_xdg_folders_follow_an_absolute_value_else_the_default(folder, variable, default, tmp_path, monkeypatch):
    """The XDG base-directory spec: a relative value is to be ignored, an unset or empty one means the default."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(variable, str(tmp_path / "given"))
    assert folder() == tmp_path / "given"
    for ignored in ("relative/folder", ""):
        monkeypatch.setenv(variable, ignored)
        assert folder() == tmp_path / default
    monkeypatch.delenv(variable)
    assert folder() == tmp_path / default
