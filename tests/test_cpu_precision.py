"""The CPU precision choice: bf16 only where native and measured faster, measured once per machine and kept."""

from __future__ import annotations

import json
import logging

import pytest
import torch

from vsr_app import cpu_precision, devices


@pytest.fixture
def probe(monkeypatch, tmp_path):
    """An empty cache folder, no answer yet in this process, native bf16, and a probe that returns the times set in
    `times` and counts its runs."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(cpu_precision, "_known", {})
    monkeypatch.setattr(cpu_precision, "_unkept", {})
    monkeypatch.setattr(devices, "cpu_supports_bf16", lambda: True)
    monkeypatch.setattr(cpu_precision, "machine_busy", lambda: False)
    state = {"times": (1.0, 0.5), "runs": 0}

    def fake() -> tuple[float, float]:
        state["runs"] += 1
        return state["times"]

    monkeypatch.setattr(cpu_precision, "probe_seconds", fake)
    return state


def test_bf16_is_taken_where_measured_faster_and_the_answer_is_kept(probe, monkeypatch):
    assert devices.autocast_dtype(torch.device("cpu")) is torch.bfloat16
    assert devices.autocast_dtype(torch.device("cpu")) is torch.bfloat16
    assert probe["runs"] == 1  # once in this process
    kept = json.loads(cpu_precision.cache_file().read_text(encoding="utf-8"))
    assert kept[cpu_precision.machine_key()]["bf16_s"] == 0.5
    monkeypatch.setattr(cpu_precision, "_known", {})  # the next start: read from the file, not measured again
    probe["times"] = (1.0, 2.0)
    assert devices.cpu_prefers_bf16() and probe["runs"] == 1
    assert cpu_precision.cpu_precision_note() == "bf16 (measured 2.0x faster than fp32)"


@pytest.mark.parametrize("times, note", [((1.0, 1.7), "fp32 (bf16 measured 1.7x slower)"),
                                         ((1.0, 0.95), "fp32 (bf16 measured only 1.05x faster)")])
def test_fp32_where_native_bf16_is_slower_or_barely_faster(probe, times, note):
    """A Xeon with AVX-512 BF16 and no AMX ran the nets 1.6-1.8x slower in bf16; the app had picked bf16 there."""
    probe["times"] = times
    assert devices.autocast_dtype(torch.device("cpu")) is None
    assert cpu_precision.cpu_precision_note() == note


def test_no_probe_where_the_cpu_has_no_native_bf16(probe, monkeypatch):
    monkeypatch.setattr(devices, "cpu_supports_bf16", lambda: False)
    assert devices.autocast_dtype(torch.device("cpu")) is None
    assert cpu_precision.cpu_precision_note() == "fp32 (no native bf16)"
    assert probe["runs"] == 0 and not cpu_precision.cache_file().exists()


def test_the_answer_is_kept_per_machine_key(probe, monkeypatch):
    """Another CPU, torch or thread count (a copied home folder, an update) is measured anew; both answers stay."""
    assert devices.cpu_prefers_bf16()
    monkeypatch.setattr(cpu_precision, "machine_key", lambda: "another CPU | torch 9 | 2 threads")
    probe["times"] = (1.0, 3.0)
    assert not devices.cpu_prefers_bf16() and probe["runs"] == 2
    assert len(json.loads(cpu_precision.cache_file().read_text(encoding="utf-8"))) == 2


def test_a_damaged_cache_file_is_measured_again_and_mended(probe):
    path = cpu_precision.cache_file()
    path.parent.mkdir(parents=True)
    path.write_text('{"' + cpu_precision.machine_key() + '": {"fp32_s": "x"', encoding="utf-8")
    assert devices.cpu_prefers_bf16() and probe["runs"] == 1
    assert json.loads(path.read_text(encoding="utf-8"))[cpu_precision.machine_key()]["fp32_s"] == 1.0


def test_a_cache_folder_that_cannot_be_made_still_gives_the_answer(probe, caplog):
    """A file where the app's cache folder goes (as a read-only home does, and for an administrator too)."""
    folder = cpu_precision.cache_file().parent
    folder.parent.mkdir(parents=True)
    folder.write_text("not a folder", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="vsr_app.cpu_precision"):
        assert devices.cpu_prefers_bf16()
    assert "cannot keep the CPU precision measurement" in caplog.text
    assert f"; for this run only: '{cpu_precision.cache_file()}' cannot be written (" in cpu_precision.cpu_precision_note()


@pytest.mark.parametrize("kept", ['{"fp32_s": 0, "bf16_s": 0, "measured": "x"}',
                                  '{"fp32_s": NaN, "bf16_s": 1, "measured": "x"}'])
def test_a_kept_answer_with_times_no_probe_gives_is_measured_again(probe, kept):
    """A hand-edited 0 divided by zero in the self-test's line; NaN read "only nanx faster"."""
    path = cpu_precision.cache_file()
    path.parent.mkdir(parents=True)
    path.write_text('{"' + cpu_precision.machine_key() + '": ' + kept + '}', encoding="utf-8")
    assert cpu_precision.cpu_precision_note() == "bf16 (measured 2.0x faster than fp32)" and probe["runs"] == 1


def test_a_probe_on_a_busy_machine_decides_for_this_run_only(probe, monkeypatch):
    """Other work during one precision's timings can reverse the answer: one taken with the load above the cores is
    not kept for later runs."""
    monkeypatch.setattr(cpu_precision, "machine_busy", lambda: True)
    assert devices.cpu_prefers_bf16() and probe["runs"] == 1
    assert not cpu_precision.cache_file().exists()
    assert cpu_precision.cpu_precision_note() == ("bf16 (measured 2.0x faster than fp32); for this run only: the "
                                                  "machine was busy, so it is measured again at the next start")


def test_the_answer_is_per_cpu_features_too(monkeypatch):
    """A VM's CPU is often named only "Intel(R) Xeon(R) Processor", with AMX or without: a home folder shared by two
    such machines must not give one the other's answer."""
    monkeypatch.setattr(devices, "cpu_has_amx", lambda: False)
    without = cpu_precision.machine_key()
    monkeypatch.setattr(devices, "cpu_has_amx", lambda: True)
    assert cpu_precision.machine_key() != without


def test_the_probe_leaves_torch_s_random_numbers_as_they_were():
    """A seeded run draws the same numbers whether the app probed first (a machine's first run) or read the answer."""
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    fp32_s, bf16_s = cpu_precision.probe_seconds()
    assert torch.equal(torch.rand(3), expected)
    assert fp32_s > 0 and bf16_s > 0
