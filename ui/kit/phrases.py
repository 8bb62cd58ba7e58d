"""Settings in words, in the session's language: a hyperparameter's label ("Learning rate",
"Taxa de aprendizado") and its value (a choice's word, a number with the language's decimal
mark, layer sizes as an architecture is written: 1000-500-250), and a list of changed settings
joined by "; " (a comma is Portuguese's decimal mark); data sets and their classes by name,
never by id ("mnist", "fashion-mnist", "upload:mine"). Uses ui.i18n only."""

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


def listed(items: list[str] | tuple[str, ...]) -> str:
    """Items in a sentence: "; " between them in Portuguese (where a comma is the decimal mark:
    "perda total 182,4; reconstrução 180,2"), ", " in English (common.list_separator)."""
    return t("common.list_separator").join(items)


def dataset_name(dataset: str) -> str:
    """A data set as a table or a heading names it: MNIST, Fashion-MNIST, "Dígitos
    (scikit-learn)", "Imagens enviadas: mine", "Desenhos da turma (ABC234)" (an upload's id is
    "upload:<name>", the class's drawings' "class:<code>")."""
    kind, _, name = str(dataset).partition(":")
    if kind == "upload" and name:
        return t("datasets.short_upload", name=name)
    if kind == "class" and name:  # the class's drawings (core.classroom.drawings)
        return t("datasets.short_class", code=name)
    return t(f"datasets.short_{dataset}") if known(f"datasets.short_{dataset}") else dataset


def dataset_phrase(dataset: str) -> str:
    """A data set as a sentence names it: "o MNIST", "os dígitos do scikit-learn"."""
    if known(f"datasets.named_{dataset}"):
        return t(f"datasets.named_{dataset}")
    return dataset_name(dataset)


def class_name(dataset: str, index: int, name: str) -> str:
    """A class of a data set in words: Fashion-MNIST's "Ankle boot" is "Bota de cano curto"
    in Portuguese; digits and an upload's labels stay as core gives them."""
    key = f"datasets.fashion_class_{index}"
    return t(key) if str(dataset) == "fashion-mnist" and known(key) else str(name)


def changes_text(changes: dict[str, Any]) -> str:
    """'Label: value; Label: value' for settings changed from a baseline."""
    return "; ".join(f"{label(name)}: {value_text(value)}" for name, value in changes.items())
