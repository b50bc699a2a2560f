"""What a shipped model's card tells a user of the packaged app about its training data and the terms of its weights:
every card's training data was "../shared/data/train", meaningless outside the project, and nothing said that part of
it was published for research use only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from vsr_app.cards import DATA_SECTION, TRAINED, VALIDATED, card_sections, card_text
from vsr_app.resources import models_dir

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import ship_model  # noqa: E402

CARDS = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(models_dir().glob("*.json"))}


def test_there_are_shipped_cards_to_check():
    assert len(CARDS) == 8


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_shipped_card_lists_its_training_data_with_source_licence_and_use(name):
    card = CARDS[name]
    sources = card["training_data"]
    assert sources and all(set(source) == {"name", "source", "licence", "use"} for source in sources), name
    assert {source["use"] for source in sources} <= {TRAINED, VALIDATED}
    for source in sources:  # as the data manifest gives it, not as remembered
        assert (source["source"], source["licence"]) == ship_model.SHARED_SOURCES[source["name"]], source
    assert card["weights_terms"] == ship_model.weights_terms(sources)
    assert "MIT licence (LICENSE)" in card["weights_terms"]


@pytest.mark.parametrize("name", sorted(CARDS))
def test_a_cards_validation_only_sources_are_those_its_training_held_out(name):
    """Frame interpolation's runs hold out `exclude` (frames/bedroom, frames/baseball) as their validation videos;
    the upscalers' read all of the training folder and validated on the test clip."""
    card = CARDS[name]
    training = card["training"]
    assert training["data"] == ["../shared/data/train"]
    held_out = set(training.get("options", {}).get("exclude", []))
    for source in card["training_data"]:
        in_train = source["name"].startswith("train/")
        excluded = source["name"].rsplit("/", 1)[-1] in held_out
        assert source["use"] == (TRAINED if in_train and not excluded else VALIDATED), (name, source["name"])
    trained = {source["name"] for source in card["training_data"] if source["use"] == TRAINED}
    train_folder = {key for key in ship_model.SHARED_SOURCES if key.startswith("train/")}
    assert trained == {key for key in train_folder if key.rsplit("/", 1)[-1] not in held_out}, name


def test_research_only_training_data_is_named_in_the_weights_terms():
    stills = ship_model.training_data(["train/images/bsd100", "train/bigbuckbunny.mp4"], [])
    terms = ship_model.weights_terms(stills)
    assert "train/images/bsd100 (research / non-commercial)" in terms and "commercial use" in terms
    assert "attribution" in terms  # Big Buck Bunny: CC BY 3.0
    open_only = ship_model.weights_terms(ship_model.training_data(["train/car-detection.mp4"],
                                                                  ["train/images/bsd100"]))
    assert "commercial" not in open_only  # validated on, not trained on: not in the weights


def test_a_source_missing_from_the_manifest_table_is_refused():
    with pytest.raises(SystemExit, match="not in SHARED_SOURCES"):
        ship_model.training_data(["train/my_clip.mp4"], [])


def test_the_card_shows_its_training_data_and_terms():
    card = CARDS["vfi-x2-student"]
    shown = dict(card_sections(card))[DATA_SECTION]
    assert shown["train/images/bsd100"].endswith("; research / non-commercial; " + TRAINED)
    assert shown["train/frames/bedroom"].endswith(VALIDATED)
    assert shown["weights terms"] == card["weights_terms"]
    text = card_text(card["name"], card["task"], card["scale"], card["params"], None, card)
    assert DATA_SECTION in text and "research / non-commercial" in text
    assert DATA_SECTION not in dict(card_sections({"arch": "vsr_student", "config": {"channels": 8}}))


def test_the_apps_model_information_shows_them():
    """The About dialog's Models tab and the Compare tab's card render a card with gui/fmt.py."""
    from vsr_app.gui.fmt import card_html

    card = CARDS["vsr-x4-student"]
    shown = card_html(card["name"], card["task"], card["scale"], card["params"], card)
    assert "weights terms" in shown and "train/images/urban100_half" in shown and "research use" in shown
