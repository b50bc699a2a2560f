"""The CLI contract: subcommands listed, models JSON shape, exit codes."""

import json

import pytest

from vsr_app.cli import SUBCOMMANDS, main


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


def test_models_json_has_contract_keys(capsys):
    assert main(["models", "--json"]) == 0
    models = json.loads(capsys.readouterr().out)
    names = {m["name"] for m in models}
    assert {"bicubic", "blend"} <= names
    for m in models:
        assert set(m) == {"name", "task", "scale", "params", "path", "card"}


def test_models_table_keeps_its_columns_for_long_names(capsys):
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(len(line.split()[0]) > 20 for line in lines[1:])  # the shipped vsr-x4-student-bicubic
    task_column = {line.index(line.split()[1], len(line.split()[0])) for line in lines}
    assert len(task_column) == 1, lines


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["upscale"])
    assert exc.value.code == 2


def test_unknown_model_is_a_user_error(capsys, tmp_path):
    assert main(["eval", "vsr", "--model", "no-such-model", "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
