"""Settings in words, in the session's language: a hyperparameter's label ("Learning rate",
"Taxa de aprendizado") and its value (a choice's word, a number with the language's decimal
mark, layer sizes as an architecture is written: 1000-500-250), and a list of changed settings
joined by "; " (a comma is Portuguese's decimal mark). Uses ui.i18n only."""

from __future__ import annotations

from typing import Any

from ui.i18n import figure, known, t


def label(name: str) -> str:
    """A setting's label: the catalog's, else its name made readable."""
    return t(f"params.{name}") if known(f"params.{name}") else name.replace("_", " ").capitalize()


def value_text(value: Any) -> str:
    if isinstance(value, bool):  # a mark, the same in every language
        return "✓" if value else "✗"
    if isinstance(value, (list, tuple)):
        return "-".join(value_text(v) for v in value)
    if isinstance(value, float):
        return figure(value, 4)
    if isinstance(value, str) and known(f"choices.{value}"):
        return t(f"choices.{value}")
    return str(value)


def changes_text(changes: dict[str, Any]) -> str:
    """'Label: value; Label: value' for settings changed from a baseline."""
    return "; ".join(f"{label(name)}: {value_text(value)}" for name, value in changes.items())
