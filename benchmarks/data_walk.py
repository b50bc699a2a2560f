"""Seconds to list a Vimeo-90K-shaped training folder and to check a validation clip against it, best of 3.
`--module` loads another version of `vsr_app/distill/sources.py` (or of data.py, which held these before), e.g. an
older one for comparison:

    git show 8e4f239:vsr_app/distill/data.py > /tmp/old_data.py
    .venv/bin/python benchmarks/data_walk.py --module /tmp/old_data.py
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best_of(repeats: int, fn) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=3000, help="sequence folders of 7 frames each")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--module", default=str(ROOT / "vsr_app/distill/sources.py"))
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("sources_under_test", args.module)
    sources = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = sources  # its dataclasses look their module up
    spec.loader.exec_module(sources)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "sequences"
        for i in range(args.folders):
            folder = root / f"{i // 100:05d}" / f"{i % 100:04d}"
            folder.mkdir(parents=True)
            for k in range(7):
                (folder / f"im{k + 1}.png").write_bytes(b"")
        clip = Path(tmp) / "held out.mp4"
        clip.write_bytes(b"x")
        files = len(sources.media_files(root))
        walk = best_of(args.repeats, lambda: sources.media_files(root))
        check = best_of(args.repeats, lambda: sources.check_held_out([str(clip)], [str(root)]))
    print(f"{files} files: walk {walk:.3f} s, held-out check {check:.3f} s ({args.module})")


if __name__ == "__main__":
    main()
