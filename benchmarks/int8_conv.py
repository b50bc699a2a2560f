"""Would int8 convolutions make the student faster on a CPU without bf16? One 32->32 3x3 conv, as in its body.

Why: on AVX2-only CPUs (most desktops) the student runs fp32, and 76% of its time is in convolutions already at
~70% of the cores' fp32 peak (docs/RESULTS.md, session 17). int8 is the one CPU path left that does more per
cycle. This times torch's quantized conv engines against fp32 on a 320x180 feature map (ms per call, median of
`--runs`), so the gain can be weighed before any model work. The quantized-tensor API it uses is deprecated in
torch 2.13 (a warning says it will be removed), which is why the app does not use it (RESULTS, Performance).

    .venv/bin/python benchmarks/int8_conv.py --threads 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import torch
from torch import nn


def median_ms(call, runs: int) -> float:
    for _ in range(5):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1e3)
    return round(statistics.median(times), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", message=".*deprecated.*")
    import torch.ao.nn.quantized as nnq

    x = torch.randn(1, 32, 180, 320)
    conv = nn.Conv2d(32, 32, 3, padding=1)
    results = {"cpu": torch.backends.cpu.get_cpu_capability(), "threads": args.threads}
    with torch.no_grad():
        results["fp32"] = median_ms(lambda: conv(x), args.runs)
        x_cl, conv_cl = x.contiguous(memory_format=torch.channels_last), conv.to(memory_format=torch.channels_last)
        results["fp32 channels-last"] = median_ms(lambda: conv_cl(x_cl), args.runs)
        for engine in torch.backends.quantized.supported_engines:
            if engine == "qnnpack":
                continue  # the mobile engine
            torch.backends.quantized.engine = engine
            qconv = nnq.Conv2d(32, 32, 3, padding=1)
            scales = conv.weight.detach().abs().amax(dim=(1, 2, 3)) / 127
            weight = torch.quantize_per_channel(conv.weight.detach(), scales, torch.zeros(32, dtype=torch.long), 0,
                                                torch.qint8)
            qconv.set_weight_bias(weight, conv.bias.detach())
            qconv.scale, qconv.zero_point = 0.05, 64
            qx = torch.quantize_per_tensor(x, 0.05, 64, torch.quint8).contiguous(memory_format=torch.channels_last)
            results[f"int8 {engine} channels-last"] = median_ms(lambda: qconv(qx), args.runs)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
