"""Whether this CPU runs the nets' convolutions faster in bf16 than in fp32: measured once per machine, then kept.

Native bf16 does not settle it. Without it (most AVX2 desktops) bf16 is emulated, ~50x slower (docs/RESULTS.md,
Performance, "Session 15"), so it is never tried. With it, an AMD EPYC (AVX-512 BF16) ran the nets 1.8x faster in
bf16 ("The CPU path"), but an Intel Xeon with AVX-512 BF16 and no AMX ran them 1.6-1.8x slower ("Session 50",
"Session 51"), and the app had picked bf16 there too. So a probe of the nets' typical layer, under a second,
decides, once, and its answer is kept in the user's cache folder for the CPU, torch version and thread count it was
taken with (`vsr-app --selftest` says it; deleting the file measures again). A probe taken while the machine is busy
decides for that run only, and bf16 must be clearly faster: on a tie fp32 is kept, the more accurate.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import os
import threading
import timeit
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch

from vsr_app.files import atomic_write
from vsr_app.resources import cache_home

log = logging.getLogger(__name__)

# the probe: a stack of the students' most common layer (3x3, 64 channels) on a 160x90 feature map, about a
# 320x180 frame's half-resolution features; its bf16/fp32 ratio matched the shipped nets' on the session-51 Xeon
PROBE_CHANNELS, PROBE_SIZE, PROBE_LAYERS, PROBE_REPEATS = 64, (90, 160), 2, 5
# bf16 rounds to 8 bits of mantissa (Y-PSNR moved by up to 0.003 dB on Vid4, 0.02 dB on a Middlebury sequence):
# taken only where clearly faster
WORTH_IT = 0.9  # bf16's time at most this share of fp32's


@dataclass(frozen=True)
class Measured:
    """One probe's result, as kept in the cache file."""
    fp32_s: float
    bf16_s: float
    measured: str  # when, UTC ISO

    @property
    def bf16_faster(self) -> bool:
        return self.bf16_s <= WORTH_IT * self.fp32_s

    def describe(self) -> str:
        """"bf16 (measured 1.8x faster than fp32)" / "fp32 (bf16 measured 1.7x slower)": the choice and why."""
        if self.bf16_faster:
            return f"bf16 (measured {self.fp32_s / self.bf16_s:.1f}x faster than fp32)"
        ratio = self.bf16_s / self.fp32_s
        if ratio >= 1:
            return f"fp32 (bf16 measured {ratio:.1f}x slower)"
        return f"fp32 (bf16 measured only {1 / ratio:.2f}x faster)"


def cache_file() -> Path:
    return cache_home() / "vsr-app" / "cpu_precision.json"


def machine_key() -> str:
    """What the answer holds for: the CPU (its model name, and what it has natively: a VM's CPU is often only
    "Intel Xeon Processor", with or without AMX), torch's version (its oneDNN kernels) and the thread count."""
    from vsr_app.devices import cpu_has_amx, cpu_name, cpu_supports_bf16

    flags = f"bf16 {'yes' if cpu_supports_bf16() else 'no'}, amx {'yes' if cpu_has_amx() else 'no'}"
    return f"{cpu_name()} ({flags}) | torch {torch.__version__} | {torch.get_num_threads()} threads"


def cpu_precision_note() -> str:
    """The precision the app runs nets in on this CPU, and why: for bench's machine line and the self-test."""
    from vsr_app.devices import cpu_supports_bf16

    if not cpu_supports_bf16():
        return "fp32 (no native bf16)"
    measured = cpu_bf16_measure()
    unkept = _unkept.get(machine_key())
    return f"{measured.describe()}{f'; for this run only: {unkept}' if unkept else ''}"


_lock = threading.Lock()
_known: dict[str, Measured] = {}  # this process's answers, by machine key
_unkept: dict[str, str] = {}  # why one of them was not kept in the cache file, by machine key


def cpu_bf16_measure() -> Measured:
    """This machine's probe result: from this process, else the cache file, else measured now (and kept)."""
    key = machine_key()
    with _lock:  # two workers asking at once measure once, and not against each other
        if key not in _known:
            _known[key] = _read(key) or _measure_and_keep(key)
        return _known[key]


def _read(key: str) -> Measured | None:
    try:
        entry = json.loads(cache_file().read_text(encoding="utf-8"))[key]
        result = Measured(float(entry["fp32_s"]), float(entry["bf16_s"]), str(entry["measured"]))
    except (OSError, ValueError, KeyError, TypeError):  # none yet, or a file damaged or from another version
        return None
    usable = all(math.isfinite(t) and t > 0 for t in (result.fp32_s, result.bf16_s))
    return result if usable else None  # a hand-edited 0 divided by zero in the self-test


def _measure_and_keep(key: str) -> Measured:
    fp32_s, bf16_s = probe_seconds()
    result = Measured(fp32_s, bf16_s, datetime.now(timezone.utc).isoformat(timespec="seconds"))
    log.info("CPU precision for %s: %s", key, result.describe())
    if machine_busy():  # kept for this process only: measured again at the next start
        _unkept[key] = "the machine was busy, so it is measured again at the next start"
        return result
    path = cache_file()
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        kept = kept if isinstance(kept, dict) else {}
    except (OSError, ValueError):
        kept = {}
    kept[key] = asdict(result)
    try:
        os.makedirs(path.parent, exist_ok=True)
        atomic_write(path, lambda tmp: tmp.write_text(json.dumps(kept, indent=1), encoding="utf-8"))
    except OSError as exc:  # a read-only home: measured again at each start, a fraction of a second; not worth a
        log.info("cannot keep the CPU precision measurement in '%s' (%s)", path, exc.strerror or exc)  # warning each
        _unkept[key] = f"'{path}' cannot be written ({exc.strerror or exc})"
    return result


def machine_busy() -> bool:
    """Whether more work than the CPU has cores ran over the last minute: a probe then may have been slowed in one
    precision more than the other, and is not kept (where the load cannot be read, on Windows, it is)."""
    try:
        return os.getloadavg()[0] > (os.cpu_count() or 1)
    except (AttributeError, OSError):
        return False


def probe_seconds() -> tuple[float, float]:
    """The probe's least time in fp32 and in bf16 autocast (channels-last, as the engine runs reduced precision).
    The two are timed in turns, so work that starts or stops on the machine meanwhile slows both alike: timed one
    after the other, a load during the fp32 half alone made bf16 look 2-5x faster on a CPU where it is 1.6x slower.
    The least of each is the one least disturbed, as `timeit` has it."""
    with torch.random.fork_rng(devices=[]):  # a seeded run draws the same numbers whether the app probed first or not
        torch.manual_seed(0)
        layers = torch.nn.Sequential(*[torch.nn.Conv2d(PROBE_CHANNELS, PROBE_CHANNELS, 3, padding=1)
                                       for _ in range(PROBE_LAYERS)]).eval()
        x = torch.rand(1, PROBE_CHANNELS, *PROBE_SIZE)
    layers_cl = copy.deepcopy(layers).to(memory_format=torch.channels_last)
    x_cl = x.contiguous(memory_format=torch.channels_last)

    def bf16() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            layers_cl(x_cl)

    steps = {"fp32": lambda: layers(x), "bf16": bf16}
    best = dict.fromkeys(steps, math.inf)
    with torch.inference_mode():
        for step in steps.values():  # oneDNN picks its kernels on first use
            step()
        for _ in range(PROBE_REPEATS):
            for name, step in steps.items():
                best[name] = min(best[name], timeit.timeit(step, number=1))
    return best["fp32"], best["bf16"]
