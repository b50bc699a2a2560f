"""The training loop under torchrun: 2 CPU processes (gloo), gradients averaged, one exported model."""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def test_torchrun_two_cpu_processes(tmp_path):
    data = tmp_path / "data" / "seq"
    data.mkdir(parents=True)
    rng = np.random.default_rng(0)
    big = cv2.resize(rng.integers(0, 256, (20, 30, 3), dtype=np.uint8), (120, 80), interpolation=cv2.INTER_CUBIC)
    for i in range(6):
        cv2.imwrite(str(data / f"{i:03d}.png"), big[:, i * 2:i * 2 + 64])
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 1,
                                  "frames": 3, "patch": 8, "threads": 1, "log_every": 1, "val_every": 0,
                                  "warmup": 1, "device": "cpu"}))
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                           "--master_port", "29517", "-m", "vsr_app", "train", "vsr", "--data", str(data.parent),
                           "--out", str(out), "--config", str(config), "--steps", "3"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3]  # rank 0 alone writes, with rank-averaged terms
    assert json.loads((out / "checkpoint.json").read_text())["step"] == 3
    assert (out / "model.safetensors").is_file()
