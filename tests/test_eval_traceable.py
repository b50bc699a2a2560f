"""`eval vsr` results a reader can trace and trust: --frames on a model that looks at later frames scores as a whole
run does, and the JSON and CSV name the weights (hash), the app's version and a clip engine's chunks."""
import csv
import hashlib
import json
import re

import cv2
import numpy as np
import pytest
import torch

from vsr_app import __version__
from vsr_app.cli import main
from videogen import make_video
from vsr_app.eval_csv import csv_comment
from vsr_app.evaluate import VSR_COPIES, eval_vsr
from vsr_app.inference import CLIP_CHUNK, CLIP_CONTEXT, make_upscaler
from vsr_app.models import build_arch, load_model, save_model

TINY_TEACHER = {"channels": 8, "blocks": 1, "hr_channels": 4, "flow_channels": 8}
TINY_STUDENT = {"channels": 4, "blocks": 1, "hr_channels": 2}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A tiny random teacher (bidirectional, run in clips) and student (recurrent), saved as a user's models."""
    root = tmp_path_factory.mktemp("models")
    saved = {}
    for arch, config in (("vsr_teacher", TINY_TEACHER), ("vsr_student", TINY_STUDENT)):
        torch.manual_seed(0)
        saved[arch] = str(save_model(build_arch(arch, config), root / f"{arch}.safetensors",
                                     {"task": "upscale", "scale": 4, "arch": arch, "config": config}))
    return saved


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """'long' (20 frames of a panning texture) and 'short' (4 frames), 64x48."""
    root = tmp_path_factory.mktemp("eval")
    rng = np.random.default_rng(0)
    base = cv2.resize(rng.integers(0, 256, (12, 40, 3), dtype=np.uint8), (160, 48), interpolation=cv2.INTER_CUBIC)
    for name, count in (("long", 20), ("short", 4)):
        (root / name).mkdir()
        for i in range(count):
            cv2.imwrite(str(root / name / f"{i:03d}.png"), np.ascontiguousarray(base[:, 2 * i:2 * i + 64]))
    return root


@pytest.fixture(scope="module")
def whole(models, data):
    """The teacher's scores of 'long', all of it."""
    return eval_vsr(models["vsr_teacher"], data, device="cpu")["sequences"]["long"]


@pytest.mark.parametrize("frames, read", [(5, 11), (9, 19), (16, 19)])
def test_a_teacher_cut_short_by_frames_scores_its_first_frames_as_a_whole_run_does(models, data, whole, frames,
                                                                                   read):
    """The teacher's last frames of a sequence cut short by --frames lost their future: Vid4 city's frame 005 scored
    27.100 dB with --frames 5, 27.385 with 8. It now also reads the frames its last chunk takes as context (to the
    chunk's end, and CLIP_CONTEXT after it), unscored, and says so."""
    cut = eval_vsr(models["vsr_teacher"], data, frames=frames, device="cpu")
    assert cut["sequences"]["long"]["per_frame"] == whole["per_frame"][:frames]  # exactly: the same net calls
    assert cut["sequences"]["long"]["frames_read"] == read and cut["sequences"]["long"]["frames"] == frames
    assert cut["notes"][0].startswith(f"--frames {frames} is longer than short (4 frames)")
    assert cut["notes"][1] == (
        f"--frames {frames} cut long short, and the model looks at later frames too (a bidirectional net run in "
        f"chunks of {CLIP_CHUNK} frames with {CLIP_CONTEXT} of context either side): up to "
        f"{-(-frames // CLIP_CHUNK) * CLIP_CHUNK + CLIP_CONTEXT - frames} frames after the first {frames} were read "
        f"as its context, not scored, so the scores are those of a run on the whole sequence")


def test_the_table_says_it_and_a_recurrent_student_reads_no_further(models, data, capsys):
    assert main(["eval", "vsr", "--model", models["vsr_teacher"], "--data", str(data), "--frames", "5"]) == 0
    assert "  note: --frames 5 cut long short, and the model looks at later frames too" in capsys.readouterr().out
    assert main(["eval", "vsr", "--model", models["vsr_student"], "--data", str(data), "--frames", "5",
                 "--json"]) == 0
    student = json.loads(capsys.readouterr().out)
    assert student["sequences"]["long"]["frames_read"] == 5  # it looks only back: nothing after the 5th changes it
    assert [note for note in student["notes"] if "later frames" in note] == []


@pytest.mark.parametrize("options", [{}, {"chunk": 4, "self_ensemble": True}])
def test_the_json_names_the_weights_hash_the_version_and_the_teacher_s_chunks(models, data, options):
    """A result could not be traced to the weights it scored: a retrained model under the same file name read alike.
    The hash is the one batch records in its outputs (`LoadedModel.weights_digest`). `options` are the teacher's
    engine's (a self-ensemble's members are clip engines too)."""
    for arch, path in models.items():
        result = eval_vsr(path, data, frames=1, device="cpu", engine_options=options if arch == "vsr_teacher" else {})
        with open(path, "rb") as f:
            assert result["weights_sha256"] == hashlib.sha256(f.read()).hexdigest()[:16]
        assert result["weights_sha256"] == load_model(path).weights_digest and result["app_version"] == __version__
        chunks = {key: result[key] for key in ("clip_chunk", "clip_context") if key in result}
        assert chunks == ({"clip_chunk": options.get("chunk", CLIP_CHUNK), "clip_context": CLIP_CONTEXT}
                          if arch == "vsr_teacher" else {})
    assert "weights_sha256" not in eval_vsr("bicubic", data, 1)  # a built-in has no weights file


def _comment_and_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    comment = [line for line in lines if line.startswith("#")]
    return comment, list(csv.DictReader(lines[len(comment):]))


def test_the_csv_says_what_was_scored_in_comment_lines_and_a_rerun_replaces_it(models, data, tmp_path, capsys):
    """The --csv file began with its columns: nothing in it said which model, weights or frames it scored."""
    path = tmp_path / "scores.csv"
    args = ["eval", "vsr", "--model", models["vsr_teacher"], "--data", str(data), "--frames", "5", "--csv",
            str(path), "--json", "--device", "cpu"]  # (a machine with a GPU would run auto there)
    for _ in range(2):  # a rerun knows the file for its own and replaces it
        assert main(args) == 0
        result = json.loads(capsys.readouterr().out)
    comment, rows = _comment_and_rows(path)
    assert comment[0] == (
        f"# vsr-app eval: {result['model']} ({result['params']:,} parameters, weights sha256 "
        f"{result['weights_sha256']}) on {data}, at most the first 5 frames of each sequence; ran on cpu, "
        f"{result['precision']}, clip chunks of 8 frames with 3 of context; vsr-app {__version__}; PSNR (dB) and SSIM "
        f"of luma (Y, BT.601); frame: a frame file's name")
    assert comment[1:] == [f"# note: {note}" for note in result["notes"]] and len(comment) == 3
    assert [(row["sequence"], row["frame"]) for row in rows] == [("long", f"{i:03d}.png") for i in range(5)] + [
        ("short", f"{i:03d}.png") for i in range(4)]
    path.write_text("sequence,frame,psnr_y,ssim_y\nlong,000.png,30.0,0.9\n")  # an earlier version's eval CSV
    assert main(args) == 0 and path.read_text().startswith("# vsr-app eval: ")
    path.write_text("# my own notes\n")
    assert main(args) == 1 and "would replace a file that is not an eval CSV" in capsys.readouterr().err


def test_the_csv_says_what_its_frame_column_holds_for_what_was_scored(data, tmp_path):
    """Every eval CSV said "a video's frames count from 0", a folder of PNGs' too, whose frame column holds 001.png."""
    video = make_video(tmp_path / "clip.mkv", frames=3, codec="ffv1", pix_fmt="yuv444p")
    assert csv_comment(eval_vsr("bicubic", video, device="cpu"))[0].endswith(
        "(Y, BT.601); frame: a video frame's index, from 0")
    assert csv_comment(eval_vsr("bicubic", data, frames=1, device="cpu"))[0].endswith(
        "(Y, BT.601); frame: a frame file's name")


def test_a_teacher_too_large_for_memory_is_told_a_frames_that_fits_with_its_context(models, data, capsys,
                                                                                      monkeypatch):
    """--frames N reads the teacher's context after the Nth frame too: the --frames the refusal named (as many as
    fit) was refused in turn."""
    from vsr_app.video import limits

    engine_bytes = make_upscaler(load_model(models["vsr_teacher"]), "cpu").working_bytes(16, 12)
    monkeypatch.setattr(limits, "available_memory", lambda: engine_bytes + int(15.5 * 64 * 48 * 3 * VSR_COPIES))
    cpu = ["--device", "cpu"]  # the memory measured here is the CPU's
    assert main(["eval", "vsr", "--model", models["vsr_teacher"], "--data", str(data), *cpu]) == 1
    advised = re.search(r"--frames (\d+) scores the first", capsys.readouterr().err)
    assert advised and main(["eval", "vsr", "--model", models["vsr_teacher"], "--data", str(data), "--frames",
                             advised[1], *cpu]) == 0
