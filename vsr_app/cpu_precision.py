"""Whether this CPU runs the nets' convolutions faster in bf16 than in fp32: measured once per machine, then kept.

Native bf16 does not settle it. Without it (most AVX2 desktops) bf16 is emulated, ~50x slower (docs/RESULTS.md,
Performance, "Session 15"), so it is never tried. With it, an AMD EPYC (AVX-512 BF16) ran the nets 1.8x faster in
bf16 ("The CPU path"), but an Intel Xeon with AVX-512 BF16 and no AMX ran them 1.6-1.8x slower ("Session 50",
"Session 51"), and the app had picked bf16 there too. So a quarter-second probe of the nets'
typical layer decides, once, and its answer is kept in the user's cache folder for the CPU, torch version and thread
count it was taken with (`vsr-app --selftest` says it; deleting the file measures again).
"""

from __future__ import annotations

import json
import logging
import os
import platform
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
# 320x180 frame's half-resolution features; its fp32/bf16 ratio matched the shipped nets' on both kinds of CPU
PROBE_CHANNELS, PROBE_SIZE, PROBE_LAYERS, PROBE_REPEATS = 64, (90, 160), 3, 5
# bf16 rounds to 8 bits of mantissa (scores move in the fourth decimal): taken only where clearly faster
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
        return f"fp32 (bf16 measured {ratio:.1f}x slower)" if ratio >= 1 else f"fp32 (bf16 measured only {1 / ratio:.2f}x faster)"


def cache_file() -> Path:
    return cache_home() / "vsr-app" / "cpu_precision.json"


def cpu_name() -> str:
    """The CPU's model name as Linux reports it, else as Python's platform module does: what a timing was taken on."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_key() -> str:
    """What the answer holds for: the CPU's model, torch's version (its oneDNN kernels) and the thread count."""
    return f"{cpu_name()} | torch {torch.__version__} | {torch.get_num_threads()} threads"


def cpu_precision_note() -> str:
    """The precision the app runs nets in on this CPU, and why: for bench's machine line and the self-test."""
    from vsr_app.devices import cpu_supports_bf16

    return cpu_bf16_measure().describe() if cpu_supports_bf16() else "fp32 (no native bf16)"


_lock = threading.Lock()
_known: dict[str, Measured] = {}  # this process's answers, by machine key


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
        return Measured(float(entry["fp32_s"]), float(entry["bf16_s"]), str(entry["measured"]))
    except (OSError, ValueError, KeyError, TypeError):  # none yet, or a file damaged or from another version
        return None


def _measure_and_keep(key: str) -> Measured:
    fp32_s, bf16_s = probe_seconds()
    result = Measured(fp32_s, bf16_s, datetime.now(timezone.utc).isoformat(timespec="seconds"))
    log.info("CPU precision for %s: %s", key, result.describe())
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
    except OSError as exc:  # a read-only home: measured again next start, a quarter second
        log.warning("cannot keep the CPU precision measurement in '%s' (%s)", path, exc.strerror or exc)
    return result


def probe_seconds() -> tuple[float, float]:
    """The probe's best time in fp32 and in bf16 autocast (channels-last, as the engine runs reduced precision)."""
    gen = torch.Generator().manual_seed(0)
    layers = torch.nn.Sequential(*[torch.nn.Conv2d(PROBE_CHANNELS, PROBE_CHANNELS, 3, padding=1)
                                   for _ in range(PROBE_LAYERS)]).eval()
    x = torch.rand(1, PROBE_CHANNELS, *PROBE_SIZE, generator=gen)
    fp32_s = _best_time(lambda: layers(x))
    layers = layers.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        bf16_s = _best_time(lambda: layers(x))
    return fp32_s, bf16_s


def _best_time(step) -> float:
    """The least of PROBE_REPEATS timings after one untimed run (oneDNN picks its kernels on first use): the least is
    the one least disturbed by other work on the machine, as `timeit` has it."""
    with torch.inference_mode():
        step()
        return min(timeit.repeat(step, number=1, repeat=PROBE_REPEATS))
