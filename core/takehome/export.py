"""A run's code to take home: one self-contained PyTorch script (and the same as a notebook)
that trains the run's variant with the run's settings, imports nothing of this project, and
prints the final test error.

The script is assembled from the text parts in core/takehome/parts: the head (settings, the
reconstruction term, a small base class), the data loader of the run's dataset, the variant's
model and loss, and the training loop. The parts repeat core's algorithms line for line (same
layer order, so a seed gives the same initial weights; the same validation split, batch order
and noise draws), which tests/core/takehome/test_export.py checks by running the script against
core.training.train. Comments come in the session's language: the caller passes the texts
(the catalog area "export"); a `#~ key` line in a part becomes that text as a comment."""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from core.models import MODELS
from core.params import make_config
from core.training.loop import TrainConfig

PARTS = Path(__file__).resolve().parent / "parts"
ONE_LAYER = ("standard", "sparse", "denoising", "contractive")
TORCHVISION = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "kmnist": "KMNIST"}
TRAIN_KEYS = ("epochs", "batch_size", "lr", "lr_schedule", "validation", "seed")
# (import line, what in the code needs it), in isort's order
IMPORTS = (
    ("import argparse", "argparse."),
    ("import gzip", "gzip."),
    ("import math", "math."),
    ("import struct", "struct."),
    ("from pathlib import Path", "Path("),
    ("", ""),
    ("import numpy as np", "np."),
    ("import torch", "torch."),
    ("import torch.nn.functional as F", "F."),
    ("from torch import nn", "nn."),
)
# Texts the caller gives as they are (phrases and a format, never templates)
WORDED = ("variant_name", "dataset_name", "date_format")
# argparse's own words, in English unless the caller's texts translate them (argparse's
# error messages, "error: argument --epochs: invalid int value", stay English: gettext's)
ARGPARSE = {
    "usage_heading": "usage: ",
    "options_heading": "options",
    "help_help": "show this help message and exit",
    "epochs_help": "epochs to train",
    "data_metavar": "PATH",
}
WIDTH = 99  # the project's line length less one


def data_kind(dataset: str) -> str:
    """How the script gets the run's data: idx (torchvision or a folder of IDX files),
    digits (scikit-learn, bundled), or npz (an upload: the user must pass the images)."""
    if dataset in TORCHVISION:
        return "idx"
    return "digits" if dataset == "digits" else "npz"


def _part(name: str) -> str:
    return (PARTS / f"{name}.tmpl").read_text(encoding="utf-8")


def _literal(values: dict[str, Any]) -> str:
    """A dict as Python source, one entry a line (values are checked settings: numbers,
    booleans, tuples of numbers, and strings from a fixed list of choices)."""
    shown = {
        key: json.dumps(value) if isinstance(value, str) else repr(value)
        for key, value in values.items()
    }
    lines = [f"    {json.dumps(key)}: {value}," for key, value in shown.items()]
    return "{\n" + "\n".join(lines) + "\n}"


def _comment(indent: str, text: str) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH - len(indent) - 2,
        initial_indent=f"{indent}# ",
        subsequent_indent=f"{indent}# ",
        break_on_hyphens=False,
    ) or [indent]


def _fill_comments(source: str, texts: dict[str, str]) -> str:
    out = []
    for line in source.splitlines():
        marker = re.fullmatch(r"(\s*)#~ (\w+)", line)
        out += _comment(marker.group(1), texts[marker.group(2)]) if marker else [line]
    return "\n".join(out) + "\n"


def checked_settings(run: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run's hyperparameters and training settings, validated as core validates them (a
    run file could hold anything: only checked values are written into code)."""
    variant = run["variant"]
    if variant not in MODELS:
        raise ValueError(f"Unknown variant {variant!r}.")
    config = make_config(MODELS[variant].Config, dict(run.get("hyperparameters", {})))
    known = TrainConfig.__dataclass_fields__
    train = TrainConfig.from_dict(
        {k: v for k, v in run.get("train_config", {}).items() if k in known}
    )
    model = {name: getattr(config, name) for name in config.__dataclass_fields__}
    return model, {name: getattr(train, name) for name in TRAIN_KEYS}


def script(run: dict[str, Any], texts: dict[str, str], today: date | None = None) -> str:
    """The run's training script. `run` holds variant, hyperparameters, train_config, dataset
    and name (run.json's keys); `texts` the comments and help texts by key, in one language,
    with {variant}, {run}, {dataset}, {date} and {file} filled in here. The caller words the
    fields: texts["variant_name"] and texts["dataset_name"] (phrases of its catalog, as they
    fit a sentence), texts["date_format"] (strftime's, e.g. %d/%m/%Y); without them, ids."""
    model, train = checked_settings(run)
    variant, dataset = run["variant"], str(run.get("dataset") or "mnist")
    kind = data_kind(dataset)
    name = _ascii(str(run.get("name") or variant), r"[^A-Za-z0-9_.-]")
    shown_dataset = (
        (texts.get("dataset_name") or dataset) if kind != "npz" else texts["upload_dataset"]
    )  # an upload's own name stays on the server
    when = (today or date.today()).strftime(texts.get("date_format", "%Y-%m-%d"))
    fields = {
        "variant": texts.get("variant_name", variant),
        "run": name,
        "dataset": shown_dataset,
        "date": when,
        "file": file_name(run),
    }
    filled = {key: text.format(**fields) for key, text in texts.items() if key not in WORDED}
    tied = variant in ONE_LAYER and model["tied"]
    variant_parts = (["tied"] if tied else []) + (["one_layer"] if variant in ONE_LAYER else [])
    hidden = variant == "contractive" and model["hidden_dim"]  # the Jacobian by autograd
    variant_parts.append(f"model_{variant}" + ("_hidden" if hidden else ""))
    parts = ["head", f"data_{kind}", *variant_parts, "train"]
    source = "".join(_part(part) for part in parts)
    docstring = (
        "\n\n".join(
            textwrap.fill(filled[key], WIDTH - 4, break_on_hyphens=False)
            for key in ("title", "intro", f"usage_{kind}")
        )
        + "\n"
    )
    values = {
        "DOCSTRING": docstring.replace("\\", "/").replace('"""', "'''"),
        "MODEL": _literal(model),
        "TRAIN": _literal(train),
        "RECONSTRUCTION": _part(f"recon_{model['reconstruction']}").rstrip("\n"),
        "TORCHVISION": TORCHVISION.get(dataset, "MNIST"),
        "DECODER": "TiedDecoder(self.encoder[1])" if tied else "nn.Linear(code_dim, 28 * 28)",
        "DESCRIPTION": repr(filled["description"]),
        "DATA_HELP": repr(filled[f"data_help_{kind}"]),
        "SUBSET_HELP": repr(filled["subset_help"]),
        **{key.upper(): repr(filled.get(key, text)) for key, text in ARGPARSE.items()},
    }
    for key, value in values.items():
        source = source.replace("{{" + key + "}}", value)
    needed = [line for line, token in IMPORTS if token in source or not line]
    source = source.replace("{{IMPORTS}}", "\n".join(needed) + "\n")
    return _fill_comments(source, filled)


def _ascii(name: str, unsafe: str) -> str:
    """A name for code and files: accents dropped ("padrão-1" -> "padrao-1"), then anything
    else outside `unsafe`'s complement replaced by "_"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(unsafe, "_", folded)[:60]


def file_name(run: dict[str, Any], suffix: str = ".py") -> str:
    """train_<run>.py: a name that says which run it trains."""
    return f"train_{_ascii(str(run.get('name') or run['variant']), r'[^A-Za-z0-9_]')}{suffix}"


def notebook(source: str, last_cell: str) -> str:
    """The script as a Jupyter notebook (nbformat 4 JSON): one code cell per `# %%` part; the
    last part (the command-line entry) becomes `last_cell`, which calls main() directly."""
    cells = [part.strip("\n") for part in re.split(r"^# %%\n", source, flags=re.M)]
    cells = [cell for cell in cells[:-1] if cell] + [last_cell]
    body = [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": cell.splitlines(keepends=True),
        }
        for cell in cells
    ]
    document = {
        "cells": body,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"
