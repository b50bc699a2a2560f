"""A coding error inside a model that raises IndexError is a failure, not the end of the video: the viewer said "too
few frames" and an analysis stopped early, without a word (the video's own end, `PastTheEnd`, still ends both:
test_gui_viewer's one-frame video, test_gui_processing's analyses)."""

from __future__ import annotations

import pytest

from vsr_app import inference
from vsr_app.gui.analysis import analyse, analyse_truth
from vsr_app.gui.processing import SOURCE, TRUTH, FrameService, Request
from vsr_app.gui.workers import FrameWorker

BUG = "list index out of range inside the model"
CALL = {"upscale": ("make_upscaler", "push"), "interpolate": ("make_interpolator", "midpoint")}


@pytest.fixture
def buggy(monkeypatch):
    """Engines of `task` whose call raises IndexError from its `fails_at`-th call on, as a bug in a net would."""
    def install(task: str, fails_at: int = 1) -> None:
        maker, method = CALL[task]
        make = getattr(inference, maker)

        def made(*args, **kwargs):
            engine = make(*args, **kwargs)
            works, calls = getattr(engine, method), []

            def call(*inputs):
                calls.append(1)
                if len(calls) >= fails_at:
                    raise IndexError(BUG)
                return works(*inputs)

            setattr(engine, method, call)
            return engine

        monkeypatch.setattr(inference, maker, made)
    return install


def render_in_worker(video, request: Request) -> tuple[list, list, list]:
    """What the viewer's worker says of `request`: its dialogs' titles, their messages, and why the view is empty."""
    worker = FrameWorker()  # not started: _render runs here, and its signals arrive at once
    worker.service = FrameService(str(video))
    titles, dialogs, unavailable = [], [], []
    worker.failed.connect(lambda title, message: (titles.append(title), dialogs.append(message)))
    worker.unavailable.connect(lambda _, reason: unavailable.append(reason))
    try:
        worker._render(request, emit=True)
    finally:
        worker.service.close()
    return titles, dialogs, unavailable


@pytest.mark.parametrize("task, model", [("upscale", "bicubic"), ("interpolate", "blend")])
def test_an_index_error_inside_a_model_is_shown_as_a_failure(qapp, small_video, buggy, task, model):
    buggy(task)
    titles, dialogs, unavailable = render_in_worker(small_video, Request(3, task, (SOURCE, model), "cpu"))
    assert titles == ["Processing failed"] and BUG in dialogs[0] and "IndexError" in dialogs[0]
    assert unavailable == dialogs  # the view says the failure, not that the video is too short


@pytest.mark.parametrize("scorer, task, sides", [
    (analyse, "upscale", ("bicubic", "bicubic")),
    (analyse_truth, "upscale", ("bicubic", TRUTH)),
    (analyse, "interpolate", ("blend", "blend")),
    (analyse_truth, "interpolate", ("blend", TRUTH)),
])
def test_an_analysis_fails_at_an_index_error_inside_a_model(small_video, buggy, scorer, task, sides):
    """Partway through: the analysis returned the positions before it as if the video ended there."""
    buggy(task, fails_at=3)
    told = []
    with pytest.raises(IndexError, match=BUG):
        scorer(str(small_video), task, sides, "cpu", progress=lambda *values: told.append(values))
    assert told  # it had scored positions before the failing call: it did not fail at its start instead
