"""Start built the new run's net on the GUI thread (`run_plan.check_new_run_net`): the first build in a process took
2.7 s, the window frozen. It is built on a worker, Start greyed meanwhile, and the run starts once it is built."""

from __future__ import annotations

import threading

from gui_support import gui_env, window  # noqa: F401
from test_gui_train_typed_start import boxes_opened, started  # noqa: F401
from vsr_app.gui import run_plan


def slow_net(monkeypatch) -> tuple[threading.Event, list[threading.Thread]]:
    """The net's build held until the gate returned is set; the threads it was built on."""
    gate, built_on = threading.Event(), []

    def held(task: str, options: dict) -> str:
        built_on.append(threading.current_thread())
        gate.wait(5)
        return "1 K"

    monkeypatch.setattr(run_plan, "net_size", held)
    return gate, built_on


def test_start_builds_the_net_off_the_gui_thread_and_starts_the_run_once_it_is_built(window, qtbot, started,
                                                                                    monkeypatch):
    panel = window.train
    gate, built_on = slow_net(monkeypatch)
    panel.start_button.click()
    qtbot.wait(100)  # the window goes on: the build has not ended, and no run started
    assert started == [] and not gate.is_set()
    assert not panel.start_button.isEnabled() and not panel.resume_button.isEnabled()
    assert panel.status.text().startswith("Checking that the trainer can build the net")
    panel.start_button.click()  # a second press while it is checked does nothing
    gate.set()
    qtbot.waitUntil(lambda: bool(started), timeout=10_000)
    qtbot.wait(100)
    assert len(started) == 1 and len(built_on) == 1 and built_on[0] is not threading.main_thread()


def test_a_window_closed_while_the_net_is_built_starts_nothing(window, qtbot, started, monkeypatch, boxes_opened):
    panel = window.train
    gate, _ = slow_net(monkeypatch)
    panel.start_button.click()
    threading.Timer(0.3, gate.set).start()
    window.close()  # waits for the build's thread; its outcome arrives after
    qtbot.wait(200)
    assert started == [] and panel.process is None and boxes_opened == []
