"""The training loop under torchrun: 2 CPU processes (gloo) train one run, rank 0 writing it, and their gradients
are averaged: 2 ranks with a sample each take the steps 1 process takes with both samples."""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

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
                           "--standalone", "-m", "vsr_app", "train", "vsr", "--data", str(data.parent),
                           "--out", str(out), "--config", str(config), "--steps", "3"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3]  # rank 0 alone writes, with rank-averaged terms
    assert json.loads((out / "checkpoint.json").read_text())["step"] == 3
    assert (out / "model.safetensors").is_file()
    said = proc.stdout.splitlines()  # the first process alone speaks: each line once
    assert sum(line.startswith("step=3/3 ") for line in said) == 1, proc.stdout
    assert sum(line.startswith("model written to ") for line in said) == 1, proc.stdout


# A task whose loss is linear in its samples' losses (a mean) and an SGD step linear in the gradient: the gradient
# averaged over 2 ranks, one sample each, is the one of both samples in one process, and so are the weights.
# (Adam would hide a sum taken for a mean: its step barely depends on the gradient's scale.)
AVERAGING_RUN = """
import sys

import torch
from torch import nn

from vsr_app.distill.options import LoopConfig
from vsr_app.distill.train import train


class Task:
    name = "linear"

    def __init__(self):
        torch.manual_seed(0)
        self.model = nn.Linear(3, 2)

    def modules(self):
        return {"model": self.model}

    def frozen(self):
        return {}

    def batches(self, seed, rank, world, start=0):
        for step in range(start, 10**6):
            x = torch.randn(2, 3, generator=torch.Generator().manual_seed(step))
            rows = slice(None) if world == 1 else slice(rank, rank + 1)
            yield {"x": x[rows], "y": x[rows, :2] * 3 - 1}

    def loss(self, batch, step):
        loss = ((self.model(batch["x"]) - batch["y"]) ** 2).mean()
        return loss, {}

    def validate(self):
        return {}

    def card(self):
        return {"task": "test"}

    def make_optimizer(self, params, cfg):
        return torch.optim.SGD(params, lr=cfg.lr)

    def after_step(self, step, terms):
        pass

    def extra_state(self):
        return {}

    def load_extra_state(self, state):
        pass


cfg = LoopConfig(steps=4, lr=0.1, warmup=1, grad_clip=1e9, amp="none", device="cpu", threads=1, log_every=1,
                 val_every=0)
train(Task(), cfg, sys.argv[1], log=lambda *_: None)
"""


def test_two_ranks_average_their_gradients(tmp_path):
    import torch
    from safetensors.torch import load_file

    script = tmp_path / "run.py"
    script.write_text(AVERAGING_RUN)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    for command in (["-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone", str(script), "ddp"],
                    [str(script), "one"]):
        proc = subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=300, env=env,
                              cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
    ddp, one = (load_file(str(tmp_path / name / "model.safetensors")) for name in ("ddp", "one"))
    torch.manual_seed(0)
    start = torch.nn.Linear(3, 2).state_dict()
    assert ddp.keys() == one.keys() == start.keys()
    for name in ddp:
        np.testing.assert_allclose(ddp[name].numpy(), one[name].numpy(), rtol=0, atol=1e-6, err_msg=name)
        assert (ddp[name] - start[name]).abs().min() > 1e-3, name  # every weight trained


@pytest.mark.parametrize("env, first, world", [({}, True, 1), ({"RANK": "1"}, True, 1), ({"RANK": ""}, True, 1),
                                               ({"RANK": "1", "WORLD_SIZE": "1"}, True, 1),
                                               ({"RANK": "0", "WORLD_SIZE": "2"}, True, 2),
                                               ({"RANK": "1", "WORLD_SIZE": "2"}, False, 2),
                                               ({"RANK": "1", "WORLD_SIZE": ""}, True, 1)])
def test_only_torchrun_s_later_processes_keep_quiet(monkeypatch, env, first, world):
    """A RANK left in a shell (no torchrun) silenced the whole training log; an empty one ended in a traceback."""
    from vsr_app.distill.runs import is_first_process, world_size

    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert is_first_process() is first and world_size() == world


@pytest.mark.parametrize("device, env, gpus, expected", [
    ("cuda", {"WORLD_SIZE": "2", "LOCAL_RANK": "1"}, 2, "cuda:1"),
    ("cuda", {"WORLD_SIZE": "2", "LOCAL_RANK": "0"}, 2, "cuda:0"),
    ("cuda", {"WORLD_SIZE": "2", "LOCAL_RANK": "1"}, 1, "cuda:0"),  # a scheduler showing each process its own GPU
    ("cuda", {"WORLD_SIZE": "4", "LOCAL_WORLD_SIZE": "2", "LOCAL_RANK": "1"}, 2, "cuda:1"),  # two machines of 2
    ("cuda:0", {"WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "1", "LOCAL_RANK": "0"}, 1, "cuda:0"),  # one per machine
    ("cuda", {}, 2, "cuda"),
    ("cpu", {"WORLD_SIZE": "2", "LOCAL_RANK": "1"}, 2, "cpu")])
def test_each_torchrun_process_trains_on_the_gpu_of_its_local_rank(monkeypatch, device, env, gpus, expected):
    """Every process took the first GPU: on a machine of several, the world's models shared one card."""
    import torch
    from vsr_app.distill.distributed import process_device

    for key in ("WORLD_SIZE", "LOCAL_WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert process_device(torch.device(device), gpus) == torch.device(expected)


@pytest.mark.parametrize("device, local, gpus", [("cuda:0", 2, 2), ("cuda", 4, 2), ("cuda", 3, 2)])
def test_processes_of_one_machine_that_would_share_a_gpu_are_refused(monkeypatch, device, local, gpus):
    """All on cuda:0, or 4 processes on 2 GPUs (two on each), NCCL failed with a raw error."""
    import torch
    from vsr_app.distill.distributed import process_device
    from vsr_app.errors import VsrAppError

    monkeypatch.setenv("WORLD_SIZE", str(local))
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(local))
    monkeypatch.setenv("LOCAL_RANK", "0")
    with pytest.raises(VsrAppError, match=rf"{local} processes on this machine cannot train on .*: each needs a GPU"):
        process_device(torch.device(device), gpus)
