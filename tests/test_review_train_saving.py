"""What a failed save says is kept must be what the run folder holds: a run resumed from its exported weights alone
has no checkpoint to speak of until its first one is written."""

from __future__ import annotations

import errno

import pytest

from vsr_app.distill.checkpoint import saving
from vsr_app.errors import VsrAppError


def fail_to_save(run_dir):
    with saving("the checkpoint", run_dir, "continue with --resume"):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_in_a_run_without_its_checkpoint_names_the_exported_weights(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"")  # the checkpoint was deleted, the weights remain
    with pytest.raises(VsrAppError) as caught:
        fail_to_save(tmp_path)
    assert "checkpoint is intact" not in str(caught.value)
    assert "model.safetensors) are intact (continue with --resume once this is fixed)" in str(caught.value)


@pytest.mark.parametrize("files, kept", [(["checkpoint.safetensors", "model.safetensors"], "the last complete "
                                          "checkpoint is intact"), ([], "no checkpoint was written yet")])
def test_a_full_disk_names_what_is_kept(tmp_path, files, kept):
    for name in files:
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(VsrAppError, match=f"no space left on the disk while saving the checkpoint in .*; {kept}"):
        fail_to_save(tmp_path)


def test_a_run_folder_deleted_while_the_run_went_on_is_said_to_be_gone(tmp_path):
    """"no checkpoint was written yet" was said of a run that had written several before its folder was deleted."""
    with pytest.raises(VsrAppError, match=r"while saving the checkpoint in .*gone; the run folder is gone \(deleted or "
                                          r"moved while the run went on\)"):
        fail_to_save(tmp_path / "gone")


def test_nothing_is_written_into_another_run_at_a_moved_runs_name(tmp_path):
    """A run folder renamed while its trainer went on, a new run started at the old name: the first trainer's next
    checkpoint replaced the new run's weights and card, and said "continue with --resume" of a folder without it."""
    from vsr_app.distill.runs import claim_run_dir, release_run_dir

    run = tmp_path / "a"
    claim_run_dir(run)
    try:
        run.rename(tmp_path / "a-renamed")
        run.mkdir()  # the new run, at the old name
        (run / "model.safetensors").write_bytes(b"the new run's")
        with pytest.raises(VsrAppError, match=r"run folder .*/a was moved or replaced while the run went on, and "
                                              r"another folder is at its name now"):
            with saving("the checkpoint", run, "continue with --resume"):
                (run / "model.safetensors").write_bytes(b"the first run's")
        assert (run / "model.safetensors").read_bytes() == b"the new run's"
    finally:
        release_run_dir(run)
