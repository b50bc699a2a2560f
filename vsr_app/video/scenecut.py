"""Scene-cut detection on a frame stream, so interpolation never warps across a cut and a recurrent upscaler starts a
new shot afresh (its carried state left a ghost of the last shot; docs/RESULTS.md, "Session 39: the recurrent state
at scene cuts").

A cut is a spike in the difference between consecutive frames: the mean absolute difference of small
(64 px) thumbnails must be large in absolute terms and at least `ratio` times the differences on either
side. Requiring a spike (not just a large difference) is what separates a cut from fast motion or a
camera whip, where the differences stay high for several frames. Calibrated on the project's clips
(../shared/data): the 5 cuts of test/scene_cuts.mp4 (and of train/bikes.mp4, the same footage) score
21.6-40.4 (ratio 2.3-8.5) while no frame pair without a cut in the test and train videos scores above 19.8 with a
ratio above 1.3, except cockatoo.mp4's fastest close-up motion (28.3, ratio 2.6), where repeating a frame is a fine
outcome anyway.

A difference of CERTAIN_DIFFERENCE or more is a cut whatever lies beside it: a slideshow or time-lapse shows a new
picture every frame, so no change is a spike, and every in-between blended two photos. Of 3,000 pairs of unrelated
pictures (train/images, at 16:9) 96% score above it (median 66); the fastest motion in the project's clips scores
41.4 (cockatoo.mp4's whip, where a repeated frame is a fine outcome): benchmarks/scene_cut_levels.py.

A one-frame shot or flash gives two big differences in a row, each the other's neighbour, so neither is a spike: the
two are judged as one (the smaller against the differences outside them, both of which must be known). On the same
clips no two pairs in a row without a cut score above a ratio of 1.2 (cockatoo.mp4's whip, at 30.2, scores 0.9) except
a two-pair pan at cockatoo.mp4's start (19.2, ratio 1.9, no pair before it). One-frame shots spliced from
scene_cuts.mp4's shots score 15.6 or more, with a ratio of 2 or more in 98% of 5,000 (every miss cuts out of its
second shot, still moving fast where it ends: its real cut there has the clip's lowest ratio, 2.3); a +40 flash
scores a ratio of 3.1 or more. A still camera jumping over exactly two frame intervals is indistinguishable from a
one-frame shot and is taken for one.

A neighbouring difference of a held frame (a picture repeated: animation on twos or threes, a paused screen
recording) is no evidence of stillness: the search looks past it, up to `REACH` pairs, for the motion beside it.
Without that, every change of a pan animated on twos stood between two zeros and was taken for a cut.

A phone records at a variable frame rate: in a pan, a frame 1/20 s after the last differs about twice as much as one
1/60 s after (2.2 times in the tests' synthetic pan), a spike that is no cut (up to 8 in a 3 s pan). Where the
frames' times are known, a neighbouring difference is scaled by the ratio of the time gaps, to the power
PACE_EXPONENT, before the spike test: over the project's clips a frame two steps on differs 1.43-1.73 times as much
as one step on, three steps on 1.73-2.29 times (medians; benchmarks/scene_cut_pace.py), about the 0.7th power (the
gaps' ratio taken within MAX_PACE). A gap of PAUSE_SECONDS or more, over MAX_PACE times the other, is a pause
(`pause_at`: a screen recorder waiting for a change), not jitter: judged as at a constant rate, or a cut across it
would need the difference of unrelated pictures. At a constant frame rate the gaps are equal and nothing changes.
The price: a cut inside fast motion, with the lowest ratios, is missed when the gap at the cut is longer than those
beside it, as it would be were the motion as fast as the gap implies (scene_cuts.mp4's 3.04 s cut, its weakest, in
each of 6 random frame drops; in 3 of them without the times). In cockatoo.mp4's whip, with frames dropped, the
times leave 2-3 false cuts where there were 2-7.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

import cv2
import numpy as np

T = TypeVar("T")

THUMB_SIZE = 64
MIN_DIFFERENCE = 12.0  # mean |difference| on 0..255 thumbnails
MIN_RATIO = 2.0  # against the larger of the neighbouring differences (+2 to ignore near-static noise)
CERTAIN_DIFFERENCE = 45.0  # unrelated pictures: a cut with no spike needed
HELD_DIFFERENCE = 1.0  # below it a frame repeats the one before (compression noise stays well under it)
REACH = 3  # pairs a neighbour search may look past held frames (animation on threes)
MAX_PACE = 4.0  # two pairs' time gaps' ratio is taken within it; a long gap over it is a pause
PAUSE_SECONDS = 0.25  # a gap this long, over MAX_PACE times the shortest near it, is a held picture (`pause_at`)
PACE_EXPONENT = 0.7  # a difference grows as the time gap to this power (the project's clips: module docstring)
CONTEXT = REACH + 1  # pairs on each side of a pair that cut_at reads (a one-frame shot's far side is one further)


def thumbnail(image: np.ndarray) -> np.ndarray:
    """Area-averaged float32 thumbnail, longest side THUMB_SIZE pixels: cheap and insensitive to noise."""
    h, w = image.shape[:2]
    s = THUMB_SIZE / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.float32)


def frame_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails."""
    return float(np.abs(a - b).mean())


def is_cut(before: float | None, here: float, after: float | None) -> bool:
    """Whether the difference `here` is a cut, given the differences of the pairs on either side (None: there is no
    pair there, at either end of the video). With neither side known a spike cannot be told from motion: a two-frame
    pan was taken for a cut and its middle frame repeated. A difference between unrelated pictures needs no sides."""
    around = [d for d in (before, after) if d is not None]
    spike = bool(around) and here >= MIN_DIFFERENCE and here >= MIN_RATIO * (max(around) + 2.0)
    return spike or here >= CERTAIN_DIFFERENCE


Gaps = Sequence[float | None] | None  # the time gaps of the pairs, indexed as the differences; None: not known


def _pace(gaps: Gaps, here: int, there: int) -> float:
    """What pair `there`'s difference is multiplied by to be compared with pair `here`'s, from their time gaps' ratio
    (within MAX_PACE: a phone's dropped frames, a sixth of a second among 1/60 s gaps, are still its jitter); 1 where
    either gap is unknown, or where one is a pause: PAUSE_SECONDS or longer and over MAX_PACE times the other."""
    ratio = gaps[here] / gaps[there] if gaps is not None and gaps[here] and gaps[there] else 1.0
    if not 1 / MAX_PACE <= ratio <= MAX_PACE and max(gaps[here], gaps[there]) >= PAUSE_SECONDS:
        return 1.0
    return min(MAX_PACE, max(1 / MAX_PACE, ratio)) ** PACE_EXPONENT


def _neighbour(diffs: Sequence[float | None], gaps: Gaps, pairs: Iterable[int], here: int) -> float | None:
    """Of one side's pairs, nearest first: the difference of the first that is not a held frame (of the nearest when
    all are: a still shot), scaled to pair `here`'s time gap; None when there are none."""
    known = [j for j in pairs if 0 <= j < len(diffs) and diffs[j] is not None]
    j = next((j for j in known if diffs[j] >= HELD_DIFFERENCE), known[0] if known else None)
    return None if j is None else diffs[j] * _pace(gaps, here, j)


def _before(diffs: Sequence[float | None], gaps: Gaps, i: int, here: int) -> float | None:
    """The neighbouring difference before pair i (looking past held frames), scaled to pair `here`'s gap."""
    return _neighbour(diffs, gaps, range(i - 1, i - 1 - REACH, -1), here)


def _after(diffs: Sequence[float | None], gaps: Gaps, i: int, here: int) -> float | None:
    """The neighbouring difference after pair i (looking past held frames), scaled to pair `here`'s gap."""
    return _neighbour(diffs, gaps, range(i + 1, i + 1 + REACH), here)


def differences(thumbs: Sequence[np.ndarray]) -> list[float | None]:
    """[None, d1, d2, ...]: d[j] is the difference between thumbnail j-1 and thumbnail j."""
    return [None] + [frame_difference(a, b) for a, b in zip(thumbs, thumbs[1:])]


def time_gaps(times: Sequence[float | None]) -> list[float | None]:
    """[None, g1, g2, ...]: g[j] is the time from frame j-1 to frame j (None where either time is not known)."""
    return [None] + [b - a if a is not None and b is not None else None for a, b in zip(times, times[1:])]


def _one_frame_shot_at(diffs: Sequence[float | None], gaps: Gaps, i: int) -> bool:
    """Whether frame i alone lies between two cuts (pairs i and i+1): a one-frame shot or flash, whose two differences
    are judged as one spike, and only with both sides known (with one, it may be a two-pair pan at an end)."""
    if not 0 <= i < len(diffs) - 1 or diffs[i] is None or diffs[i + 1] is None:
        return False
    here = i if diffs[i] <= diffs[i + 1] else i + 1
    before, after = _before(diffs, gaps, i, here), _after(diffs, gaps, i + 1, here)
    return before is not None and after is not None and is_cut(before, diffs[here], after)


def cuts_at(diffs: Sequence[float | None], i: int, gaps: Gaps = None) -> tuple[bool, bool]:
    """(`cut_at`, whether another shot goes on from frame i) of frame i, each difference judged once: a spike, or an
    edge of a one-frame shot. Another shot goes on from a cut that is no edge of a one-frame shot (a flash, a frame of
    something else, after which the picture goes back to the shot it left). A recurrent upscaler starts afresh only
    there: reset at a flash's two edges, it lost 0.2-0.7 dB over the frames after it, its state thrown away twice for
    the shot it came back to (docs/RESULTS.md, "Session 39: the recurrent state at scene cuts")."""
    if not 0 <= i < len(diffs) or diffs[i] is None:
        return False, False
    spike = is_cut(_before(diffs, gaps, i, i), diffs[i], _after(diffs, gaps, i, i))
    edge = _one_frame_shot_at(diffs, gaps, i) or _one_frame_shot_at(diffs, gaps, i - 1)
    return spike or edge, spike and not edge


def cut_at(diffs: Sequence[float | None], i: int, gaps: Gaps = None) -> bool:
    """Whether a cut lies between frames i-1 and i, from `diffs` (as `differences` gives them, over whatever frames
    are known around i: CONTEXT pairs on each side are enough) and, where known, the pairs' `gaps` (`time_gaps`)."""
    return cuts_at(diffs, i, gaps)[0]


def pause_at(gaps: Gaps, i: int) -> bool:
    """Whether the source held its picture over pair i's gap: PAUSE_SECONDS or longer and over MAX_PACE times the
    shortest known gap within CONTEXT pairs of it. A screen recorder writes a frame only on a change, so its 3 s gap
    before a scroll showed the frame before it all along: an in-between halfway showed the scroll starting 1.5 s
    early, before its click was heard. The shortest, not the next, gap: a click's one changed frame between two holds
    (1/30 s, 3 s, 2.5 s) holds twice. A phone's dropped frames (a tenth of a second) and a time-lapse's steady long
    gaps are no pauses, and are interpolated."""
    if gaps is None or not 0 <= i < len(gaps) or not gaps[i] or gaps[i] < PAUSE_SECONDS:
        return False
    near = [gaps[j] for j in range(max(0, i - CONTEXT), min(len(gaps), i + CONTEXT + 1)) if j != i and gaps[j]]
    return bool(near) and gaps[i] > MAX_PACE * min(near)


def breaks_at(diffs: Sequence[float | None], i: int, gaps: Gaps = None) -> bool:
    """Whether an interpolator must not take frames i-1 and i for one moving picture: a cut or a pause between."""
    return cut_at(diffs, i, gaps) or pause_at(gaps, i)


def verdicts_at(diffs: Sequence[float | None], i: int, gaps: Gaps = None) -> tuple[bool, bool, bool]:
    """(a cut before frame i, another shot going on from it, a pause before it): what an export's stages are told of
    each frame."""
    return *cuts_at(diffs, i, gaps), pause_at(gaps, i)


def kind_of(cut: bool, new_shot: bool, pause: bool) -> str | None:
    """A break named as summaries count it: 'pause' (a cut across one too), 'scene cut' where another shot goes on,
    'flash' where the picture comes back to the shot it left (an edge of one: two make a flash); None for none."""
    if pause:
        return "pause"
    return ("scene cut" if new_shot else "flash") if cut else None


def break_kind(diffs: Sequence[float | None], i: int, gaps: Gaps = None) -> str | None:
    """`kind_of` the break before frame i (`verdicts_at`)."""
    return kind_of(*verdicts_at(diffs, i, gaps))


def break_counts(kinds: Mapping[str, int]) -> tuple[int, int, int]:
    """(scene cuts, flashes, pauses) from how many breaks of each `kind_of` there were: a flash has two edges."""
    return kinds.get("scene cut", 0), (kinds.get("flash", 0) + 1) // 2, kinds.get("pause", 0)


def mark_cuts(items: Iterable[T], image: Callable[[T], np.ndarray],
              decide: Callable[[Sequence[float | None], int, Gaps], Any] = cut_at,
              time: Callable[[T], float | None] | None = None) -> Iterator[tuple[T, Any]]:
    """Yield `(item, decide(differences, its index, time gaps))`; by default `cut_at`: whether a cut lies before
    this item (a new shot, or either edge of a flash). `time`: an item's time in seconds, so that a variable frame
    rate's uneven gaps are no spikes. The items wait for their verdicts (`judge_frames`): where only the verdicts are
    wanted, `judge_frames` keeps the thumbnails alone."""
    waiting: deque[T] = deque()  # items without a verdict; waiting[0] is the next one judged

    def read() -> Iterator[tuple[np.ndarray, float | None]]:
        for item in items:
            waiting.append(item)
            yield thumbnail(image(item)), time(item) if time is not None else None

    for verdict in judge_frames(read(), decide):
        yield waiting.popleft(), verdict


def judge_frames(frames: Iterable[tuple[np.ndarray, float | None]],
                 decide: Callable[[Sequence[float | None], int, Gaps], Any] = cut_at) -> Iterator[Any]:
    """`decide(differences, index, time gaps)` of each of `frames`, (`thumbnail`, time in seconds or None), in order.

    Streams with CONTEXT frames of look-ahead (the decision needs the differences after it too)."""
    diffs: list[float | None] = []  # diffs[0] is frame `base`'s
    gaps: list[float | None] = []  # as diffs
    base = first = 0  # `first`: the next frame judged
    previous: tuple[np.ndarray, float | None] | None = None
    for thumb, when in frames:
        diffs.append(frame_difference(previous[0], thumb) if previous is not None else None)
        gaps.append(time_gaps([previous[1], when])[1] if previous is not None else None)
        previous = thumb, when
        while base + len(diffs) - 1 - first >= CONTEXT:  # CONTEXT pairs after frame `first` are known
            yield decide(diffs, first - base, gaps)
            first += 1
            if first - base > CONTEXT:  # no later verdict looks further back
                del diffs[0], gaps[0]
                base += 1
    while first < base + len(diffs):
        yield decide(diffs, first - base, gaps)
        first += 1


def gap_window(prev: T | None, a: T, b: T, nxt: T | None, breaks: tuple[bool, bool, bool],
               inputs: int) -> list[T] | None:
    """The frames an interpolator sees for the gap a -> b, never across a cut or a pause: None when one lies in the
    gap (the caller repeats `a`); a 4-frame window's outer frames stop at one, as at the video's ends (`prev`/`nxt`
    None), with the nearest frame repeated. `breaks`: whether the picture breaks (`breaks_at`) before a, b, nxt. The
    export and the Compare view both use it, so the preview shows what the export writes."""
    break_a, break_b, break_next = breaks
    if break_b:
        return None
    if inputs == 2:
        return [a, b]
    return [prev if prev is not None and not break_a else a, a, b, nxt if nxt is not None and not break_next else b]
