"""Inference engines: tiling without seams, chunked clip processing, interpolation padding."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from tiny_nets import TinyRecurrent
from vsr_app import devices, inference, models
from vsr_app.errors import VsrAppError


class TinyClip(nn.Module):
    """Output frame t = x2 nearest of the mean of frames t-1..t+1 inside the chunk (sees its neighbours)."""

    kind = "clip"
    scale = 2

    def forward(self, clip):
        padded = torch.cat([clip[:, :1], clip, clip[:, -1:]], 1)
        avg = (padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]) / 3
        n, t, c, h, w = avg.shape
        return nn.functional.interpolate(avg.flatten(0, 1), scale_factor=2, mode="nearest").unflatten(0, (n, t))


def _loaded(net, task="upscale"):
    return models.LoadedModel(models.ModelInfo("tiny", task, getattr(net, "scale", 1), 0, None), net)


@pytest.fixture
def frames():
    rng = np.random.default_rng(1)
    return [rng.integers(0, 256, (37, 53, 3), dtype=np.uint8) for _ in range(5)]


def test_tile_grid_covers_frame_exactly_once():
    tiles = inference.tile_grid(37, 53, 16, overlap=4)
    cover = np.zeros((37, 53), int)
    for t in tiles:
        y0, y1, x0, x1 = t.inner
        cover[y0:y1, x0:x1] += 1
        oy0, oy1, ox0, ox1 = t.outer
        assert oy0 <= y0 and oy1 >= y1 and ox0 <= x0 and ox1 >= x1
    assert (cover == 1).all()


def test_tiled_recurrent_matches_untiled(frames):
    whole = inference.make_upscaler(_loaded(TinyRecurrent(scale=2)), "cpu", precision="fp32")
    tiled = inference.make_upscaler(_loaded(TinyRecurrent(scale=2)), "cpu", precision="fp32", tile=16)
    for f in frames:
        a, b = whole.push(f)[0], tiled.push(f)[0]
        assert a.shape == (74, 106, 3)
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_tiled_clip_matches_untiled(frames):
    whole = inference.make_upscaler(_loaded(TinyClip()), "cpu", precision="fp32", chunk=2, context=1)
    tiled = inference.make_upscaler(_loaded(TinyClip()), "cpu", precision="fp32", chunk=2, context=1, tile=16)
    a = [o for f in frames for o in whole.push(f)] + whole.flush()
    b = [o for f in frames for o in tiled.push(f)] + tiled.flush()
    assert len(a) == len(b) == len(frames)
    for x, y in zip(a, b):
        assert x.shape == (74, 106, 3)
        assert np.abs(x.astype(int) - y.astype(int)).max() <= 1


def test_clip_engine_emits_every_frame_in_order_with_context(frames):
    up = inference.make_upscaler(_loaded(TinyClip()), "cpu", precision="fp32", chunk=2, context=1)
    out = []
    for f in frames:
        out += up.push(f)
    out += up.flush()
    assert len(out) == len(frames)
    whole = TinyClip()(torch.stack([inference.frame_to_tensor(f, torch.device("cpu"))[0] for f in frames])[None])
    for i, o in enumerate(out):
        expected = inference.tensor_to_frame(whole[:, i])
        assert np.abs(o.astype(int) - expected.astype(int)).max() <= 1


# CUDA's error, and torch's CPU allocator's, which says it in other words (under ulimit -v or strict overcommit)
OUT_OF_MEMORY = [torch.OutOfMemoryError("CUDA out of memory (simulated)"),
                 RuntimeError("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: "
                              "you tried to allocate 805306368 bytes. Error code 12 (Cannot allocate memory)")]


@pytest.mark.parametrize("error", OUT_OF_MEMORY, ids=["cuda", "cpu"])
def test_oom_shrinks_tile_and_retries(frames, monkeypatch, error):
    up = inference.make_upscaler(_loaded(TinyRecurrent(scale=2)), "cpu", precision="fp32")
    real_step = up.net.step
    calls = {"n": 0}

    def flaky(x, state):
        calls["n"] += 1
        if x.shape[-1] > 50:  # only the untiled full width (53) "runs out of memory"
            raise error
        return real_step(x, state)

    monkeypatch.setattr(up.net, "step", flaky)
    out = up.push(frames[0])[0]
    assert out.shape == (74, 106, 3)
    shrunk = up.tile_size
    assert shrunk < 53
    up.reset()
    up.push(frames[0][:8, :8])  # another size: its own tile, and the shrunk one kept for this size
    up.reset()
    before = calls["n"]
    up.push(frames[0])
    assert up.tile_size == shrunk and calls["n"] - before == len(inference.tile_grid(37, 53, shrunk))  # no retry


def test_out_of_memory_advice_names_the_cpu_only_on_a_gpu():
    """The CPU's allocation failure counts as out of memory now: its message told a CPU user to try --device cpu."""
    assert inference._less_memory(torch.device("cuda")) == "--device cpu or a smaller input"
    assert "--device" not in inference._less_memory(torch.device("cpu"))


def test_an_engine_reused_for_a_larger_video_starts_from_that_videos_own_tile(frames):
    """eval scores every sequence with one engine: a small first sequence fixed the tile at its size, and a larger
    one after it was cut in 20 tiles, 8x slower and with seams in its carried state."""
    up = inference.make_upscaler(_loaded(TinyRecurrent(scale=2)), "cpu", precision="fp32")
    small = [f[:8, :8] for f in frames[:2]]
    for frame in small:
        up.push(frame)
    assert up.tile_size == 8
    up.reset()
    up.push(frames[0])
    assert up.tile_size == 53  # the whole frame in one tile, as a fresh engine has it


def test_clip_engine_oom_shrinks_tile_and_retries(frames, monkeypatch):
    up = inference.make_upscaler(_loaded(TinyClip()), "cpu", precision="fp32", chunk=2, context=1)
    real_forward = up.net.forward

    def flaky(clip):
        if clip.shape[-1] > 50:  # only the untiled full width (53) "runs out of memory"
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_forward(clip)

    monkeypatch.setattr(up.net, "forward", flaky)
    out = [o for f in frames for o in up.push(f)] + up.flush()
    assert len(out) == len(frames) and out[0].shape == (74, 106, 3)
    assert up.tile_size < 53


def test_interpolator_pads_to_size_multiple(frames):
    class Mid(nn.Module):
        kind, num_inputs, size_multiple = "interpolate", 2, 8

        def forward(self, x):
            assert x.shape[-1] % 8 == 0 and x.shape[-2] % 8 == 0
            return x.mean(1)

    it = inference.make_interpolator(_loaded(Mid(), "interpolate"), "cpu", precision="fp32")
    mid = it.midpoint(frames[:2])
    assert mid.shape == frames[0].shape
    expected = (frames[0].astype(float) + frames[1]) / 2
    assert np.abs(mid - expected).max() <= 1


@pytest.mark.parametrize("error", OUT_OF_MEMORY, ids=["cuda", "cpu"])
def test_an_interpolator_out_of_memory_is_a_clear_error_not_a_traceback(frames, monkeypatch, error):
    """A GPU with too little memory for whole 4K frames: the CLI printed torch's traceback, batch an 'unexpected
    error' for every later file."""
    class Mid(nn.Module):
        kind, num_inputs = "interpolate", 2

        def forward(self, x):
            raise error

    it = inference.make_interpolator(_loaded(Mid(), "interpolate"), "cpu", precision="fp32")
    with pytest.raises(VsrAppError, match=r"not enough CPU memory for .* on 53x37 frames \(interpolators work on "
                                          r"whole frames\): try a smaller input, or closing other programs$"):
        it.midpoint(frames[:2])


@pytest.mark.parametrize("size", [(12, 16), (31, 64), (64, 31)])
def test_ffmpeg_mci_takes_frames_smaller_than_its_blocks(size):
    """minterpolate refuses frames under 32 px a side with "Invalid argument"; they are padded for it."""
    from vsr_app.classic_interp import FFmpegMCIInterpolator

    h, w = size
    still = np.random.default_rng(0).integers(0, 255, (h, w, 3), dtype=np.uint8)
    mid = FFmpegMCIInterpolator().midpoint([still] * 4)
    assert mid.shape == (h, w, 3)
    assert np.abs(mid.astype(int) - still).mean() < 3  # nothing moves: the in-between is the frame (YUV rounding)


@pytest.mark.parametrize("name, shape, channels_last", [
    ("vfi-x2-student", (1, 4, 3, 32, 32), True), ("vfi-x2-teacher", (1, 4, 3, 32, 32), False),
    ("vsr-x4-teacher", (1, 3, 3, 16, 16), True), ("vsr-x4-student", (1, 3, 3, 16, 16), True)])
def test_fp32_engines_use_channels_last_for_the_nets_it_was_measured_faster_for(name, shape, channels_last):
    """AVX2 CPU (RESULTS, Performance, "Session 15" and "Session 16"): the pruned VFI student -24%, the VSR teacher
    about -20%, the VSR student about -10%, the full-width VFI teacher +7-18%."""
    x = torch.rand(shape)
    with torch.no_grad():
        plain = models.load_model(name, "cpu").net.eval()(x)
    engine = inference.Engine(models.load_model(name, "cpu"), "cpu", precision="fp32")
    convs = [m for m in engine.net.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)]
    assert convs and all(c.weight.is_contiguous(memory_format=torch.channels_last) == channels_last
                         for c in convs if c.in_channels > 1)
    torch.testing.assert_close(engine.run(engine.net, x), plain, atol=1e-4, rtol=1e-4)


def test_keep_freed_memory_only_ever_raises_what_malloc_keeps_and_caps_it(monkeypatch):
    """Process-wide: an engine asking for less must not undo what another engine needs; a huge frame must not ask
    glibc for more than MAX_KEPT_MIB (its mallopt takes a C int: 2 GiB and up would wrap)."""
    from vsr_app import memory

    calls = []
    record = lambda *args: calls.append(args)  # noqa: E731
    monkeypatch.setattr(memory, "_glibc", lambda name: record if name == "mallopt" else None)
    monkeypatch.setattr(memory, "_kept_mib", 32)
    memory.keep_freed_memory(16)
    assert calls == []
    memory.keep_freed_memory(64)
    assert calls == [(memory.M_TRIM_THRESHOLD, 64 << 20)]
    memory.keep_freed_memory(3037)  # an x4 fp32 engine on 1920x1080 input
    assert calls[-1] == (memory.M_TRIM_THRESHOLD, memory.MAX_KEPT_MIB << 20) and memory.MAX_KEPT_MIB << 20 < 2 ** 31
    memory.keep_freed_memory(4096)
    assert len(calls) == 2


@pytest.mark.parametrize("name, precision, shape, asked_mib", [
    ("vsr-x4-student", "fp32", (1, 3, 180, 320), [84]),  # 24 fp32 planes of 1280x720
    ("vsr-x4-teacher", "fp32", (1, 11, 3, 180, 320), [84]),  # a clip asks for one output frame's worth
    ("vfi-x2-student", "fp32", (1, 4, 3, 360, 640), [21]),  # interpolators do not enlarge
    ("vsr-x4-student", "bf16", (1, 3, 180, 320), []),
    ("bicubic", "fp32", (1, 3, 180, 320), [])])
def test_fp32_cpu_engines_of_trained_nets_keep_their_frames_freed_memory(name, precision, shape, asked_mib,
                                                                         monkeypatch):
    """A 320x180 student frame in fp32 page-faulted 4,000-17,000 times with the default 32 MiB kept, and a 480x270
    one still 22,833 times with 64 MiB (RESULTS, Performance, "Session 16"): the amount follows the output size.
    bf16 halves the frame, and the weightless baseline holds little more than the frame itself."""
    asks = []
    monkeypatch.setattr(inference, "keep_freed_memory", asks.append)
    engine = inference.Engine(models.load_model(name, "cpu"), "cpu", precision=precision)
    assert engine.run(lambda x: x[..., :2, :2] + 1, torch.zeros(shape)).shape == shape[:-2] + (2, 2)
    assert asks == asked_mib


def test_a_streaming_upscaler_asks_for_its_frames_memory_when_it_runs(monkeypatch):
    asks = []
    monkeypatch.setattr(inference, "keep_freed_memory", asks.append)
    engine = inference.make_upscaler(models.load_model("vsr-x4-student", "cpu"), "cpu", precision="fp32")
    assert asks == []  # nothing until a frame's size is known
    assert engine.push(np.zeros((180, 320, 3), np.uint8))[0].shape == (720, 1280, 3)
    assert asks == [84]


HUGE_PAGE_CHECK = """
import vsr_app, torch
block = torch.empty(48 << 18)  # 48 MiB of fp32: glibc maps it afresh
address, flags = block.data_ptr(), None
for line in open("/proc/self/smaps"):
    if "-" in line.split()[0] and ":" not in line.split()[0]:
        start, end = (int(a, 16) for a in line.split()[0].split("-"))
        inside = start <= address < end
    elif line.startswith("VmFlags:") and inside:
        flags = line.split()[1:]
print("hg" in (flags or []))
"""


@pytest.mark.skipif(not os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled"), reason="no huge pages")
@pytest.mark.parametrize("asked, advised", [(None, True), ("0", False)])
def test_importing_the_app_before_torch_puts_large_blocks_on_huge_pages(asked, advised):
    """glibc maps every block over 32 MiB afresh: without huge pages the VFI student at 720p took 1.15 M page faults
    per frame (RESULTS, Performance, "Session 17"). torch advises the kernel to back blocks of 2 MiB and more with
    huge pages (the mapping's "hg" flag) when THP_MEM_ALLOC_ENABLE is set before its first allocation; a value the
    user set stays theirs. A fresh process, as torch reads it once."""
    env = {k: v for k, v in os.environ.items() if k != "THP_MEM_ALLOC_ENABLE"}
    if asked is not None:
        env["THP_MEM_ALLOC_ENABLE"] = asked
    out = subprocess.run([sys.executable, "-c", HUGE_PAGE_CHECK], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == [str(advised)]


def test_engines_count_their_nets_memory_per_pixel_and_tiled_ones_per_tile():
    """What refusing a job that cannot fit adds for the model (RESULTS, "Refusing jobs that cannot fit")."""
    student = inference.make_upscaler(models.load_model("vsr-x4-student", "cpu"), "cpu")
    small, single_tile = student.working_bytes(320, 180), student.working_bytes(640, 360)
    assert single_tile == 4 * small and 100 << 20 < small < 200 << 20  # fitted: 132 MB measured
    tiled, twice_tiled = student.working_bytes(1280, 720), student.working_bytes(2560, 1440)
    output_frame = 3 * 4 * 16 * 1280 * 720  # fp32, x4
    assert tiled - 3 * output_frame < single_tile  # the net sees one tile at a time
    assert 0 <= twice_tiled - tiled - 3 * 3 * output_frame < single_tile / 2  # the held frames grow, not the tile
    assert student.tile_size is None  # asking does not fix the tile of the video to come
    teacher = inference.make_upscaler(models.load_model("vsr-x4-teacher", "cpu"), "cpu")
    chunk = (inference.CLIP_CHUNK + 2 * inference.CLIP_CONTEXT) * output_frame  # whole output frames it holds
    assert teacher.working_bytes(1280, 720) > chunk + teacher.working_bytes(320, 180)
    vfi = inference.make_interpolator(models.load_model("vfi-x2-student", "cpu"), "cpu")
    per_pixel = vfi.net.working_memory[1]
    # not tiled; counted as the net sees the frames, with their border and the padding to its multiple
    padded = [vfi._padded(h, w) for h, w in ((1440, 2560), (720, 1280))]
    assert vfi.working_bytes(2560, 1440) - vfi.working_bytes(1280, 720) == per_pixel * (
        padded[0][0] * padded[0][1] - padded[1][0] * padded[1][1])
    for (h, w), (padded_h, padded_w) in zip(((1440, 2560), (720, 1280)), padded):
        assert h + 8 <= padded_h < h + 8 + vfi.multiple and w + 8 <= padded_w < w + 8 + vfi.multiple
        assert padded_h % vfi.multiple == padded_w % vfi.multiple == 0
    assert inference.net_working_bytes(vfi.net, 1280 * 720, torch.device("cuda")) == 0  # the device's memory
    for weightless in ("bicubic", "blend", "opencv-flow"):
        loaded = models.load_model(weightless, "cpu")
        make = inference.make_upscaler if loaded.task == "upscale" else inference.make_interpolator
        assert make(loaded, "cpu").working_bytes(1280, 720) == 0


def test_the_interpolators_keep_a_still_shots_left_edge():
    """The nets' zero padding threw their flows off at the left border: the student's in-between of two identical
    frames turned a dark edge column grey, 45 levels off, in every in-between of a static shot (it flickered)."""
    frame = np.full((64, 96, 3), 180, np.uint8)
    frame[:, :2] = 20  # a dark border column, as a letterboxed or vignetted picture has
    frame[20:40, 30:60] = 60
    for name in ("vfi-x2-student", "vfi-x2-teacher"):
        engine = inference.make_interpolator(models.load_model(name, "cpu"), "cpu")
        middle = engine.midpoint([frame] * engine.num_inputs)
        assert np.abs(middle.astype(int) - frame).max() <= 12, name


def test_a_fixed_function_runs_and_is_recorded_in_fp32_a_trained_net_in_the_cpus_precision():
    """Bicubic and blend have no convs for bf16 to speed up (autocast left them fp32), but outputs and eval results
    recorded them as bf16."""
    cpu = torch.device("cpu")
    trained = "bf16" if devices.autocast_dtype(cpu) is not None else "fp32"
    assert inference.run_settings(inference.make_upscaler(models.load_model("bicubic", "cpu"), "cpu")) == \
        {"device": "cpu", "precision": "fp32"}
    assert inference.run_settings(inference.make_interpolator(models.load_model("blend", "cpu"), "cpu")) == \
        {"device": "cpu", "precision": "fp32"}
    student = inference.make_upscaler(models.load_model("vsr-x4-student", "cpu"), "cpu", self_ensemble=True)
    assert inference.run_settings(student)["precision"] == trained
