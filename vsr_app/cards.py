"""A model card read by people: its values as short text, its sections without the options a run left unset, and
the whole card as plain text (`vsr-app models NAME`). The GUI renders the same entries as HTML (gui/fmt.py)."""

from __future__ import annotations

import textwrap

SECTIONS = ("training", "metrics")  # the card's nested parts shown after its architecture, in this order
# A shipped card's top-level training options are those of its last stage only (options it left unset show the
# defaults); `stages` lists every stage that made the weights. Without the label they read as the whole recipe.
STAGED_TRAINING = "training (the last stage's options; stages: every stage)"


def card_value(value) -> str:
    """A card entry as short text: floats to 6 significant digits, lists joined, nested dicts as 'k: v' pairs.

    Six digits, not four: a PSNR keeps 4 decimals (25.9957 read "26", though the cards are compared in hundredths
    of a dB)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(card_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {card_value(v)}" for k, v in value.items())
    return str(value)


def section_entries(card: dict, section: str) -> dict[str, object]:
    """A section's entries, without the options that were not set ('teacher None' read like a model called None),
    nor, in training, those the run's distillation mode or net does not read (`vsr_task.option_applies`: a teacher's
    card listed time-term settings)."""
    from vsr_app.distill.vsr_task import option_applies

    entries = card.get(section)
    if not isinstance(entries, dict):
        return {}
    training = section == "training"
    return {str(k): v for k, v in entries.items() if not _empty(v)
            and (not training or option_applies(str(k), entries.get("distill"), entries.get("net")))}


def section_title(section: str, entries: dict) -> str:
    """The heading a section is shown under: a training section with `stages` says which of its entries are the
    last stage's and which list every stage."""
    return STAGED_TRAINING if section == "training" and "stages" in entries else section


# A shipped card's `training_data` (each source its training read) and `weights_terms`: the packaged app's user has no
# data manifest, and some of the data was published for research use only (scripts/ship_model.py writes them)
DATA_SECTION = "training data (source; licence; use) and terms"
TRAINED, VALIDATED = "trained on", "validation only (not trained on)"  # a training_data source's use


def data_entries(card: dict) -> dict[str, object]:
    """The sources the weights were trained or validated on, each 'source; licence; use', and the weights' terms."""
    sources = card.get("training_data") if isinstance(card.get("training_data"), list) else []
    entries: dict[str, object] = {
        str(source.get("name")): "; ".join(str(source[k]) for k in ("source", "licence", "use") if source.get(k))
        for source in sources if isinstance(source, dict)}
    if card.get("weights_terms"):
        entries["weights terms"] = card["weights_terms"]
    return entries


def card_sections(card: dict) -> list[tuple[str, dict[str, object]]]:
    """The card's parts as people read them, each a heading and its entries: the net it builds (architecture and
    config: what a researcher compares), how it was trained, what it measured, and on what data under which terms.
    Empty parts are left out."""
    config = card.get("config") if isinstance(card.get("config"), dict) else {}
    settings = {str(k): v for k, v in config.items() if str(k) != "arch" and not _empty(v)}
    architecture = {"arch": card["arch"], **settings} if card.get("arch") else {}
    parts = [("architecture", architecture)]
    parts += [(section_title(section, entries), entries) for section in SECTIONS
              for entries in [section_entries(card, section)]]
    parts.append((DATA_SECTION, data_entries(card)))
    return [(title, entries) for title, entries in parts if entries]


def _empty(value) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and not value)


CARD_WIDTH = 100  # the columns a plain-text card wraps at


def card_text(name: str, task: str, scale: int, params: int, path: str | None, card: dict) -> str:
    """The card as plain text: what the model does, its size and file, the net it builds, how it was trained, what
    it measured."""
    size = f", {params:,} parameters" if params else ""
    lines = [f"{name} ({task} x{scale}{size})", path or "built-in"]
    if card.get("description"):
        lines += textwrap.wrap(str(card["description"]), CARD_WIDTH)
    for title, entries in card_sections(card):
        lines.append(f"{title}:")
        key_width = max(len(k) for k in entries)
        for key, value in entries.items():
            # a list of texts (a model's training stages) an item a paragraph: joined, its sentences ran together
            paragraphs = isinstance(value, list) and len(value) > 1 and all(isinstance(v, str) for v in value)
            items = value if paragraphs else None
            for index, item in enumerate(items or [value]):
                label = key if index == 0 else ""
                bullet = "- " if items else ""
                lines += textwrap.wrap(card_value(item), CARD_WIDTH,
                                       initial_indent=f"  {label:<{key_width}}  {bullet}",
                                       subsequent_indent=" " * (key_width + 4 + len(bullet)))
    if card.get("created"):
        lines.append(f"created {card['created']}")
    return "\n".join(lines)
