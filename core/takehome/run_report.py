"""A run's report: one self-contained HTML file (settings, metrics, curves, reconstructions)
that opens offline anywhere. Curves are inline SVG drawn here, images inline PNG (base64); no
script, no stylesheet or font from the network. Texts come from the caller, in the session's
language (the catalog area "export", keys report_*); setting and metric names the caller does
not label stay as they are."""

from __future__ import annotations

import base64
import html
import io
import math
from datetime import date
from typing import Any

import numpy as np
import torch

from core.numbers import significant
from core.science.analysis import reconstruct_all
from core.takehome.export import TRAIN_KEYS, checked_settings

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"]  # Okabe & Ito
WIDTH, HEIGHT, PAD = 720, 300, 72  # the SVG charts' size and axis margin, in px
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:780px;margin:2em auto;padding:0 1em;"
    "color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:"
    "1px solid #ddd;padding:.3em .8em;text-align:left}td.n{text-align:right;font-variant:"
    "tabular-nums}img{image-rendering:pixelated;max-width:100%}svg text{font-size:13px}"
)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values (1, 2 or 5 times a power of ten apart) from low to high."""
    raw = (high - low) / (count - 1) if high > low else 1.0
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def svg_chart(
    series: dict[str, tuple[list[float], list[float]]],
    title: str,
    x_label: str,
    y_label: str,
    language: str,
    log_y: bool = False,
) -> str:
    """Lines on shared axes as an inline SVG; each point carries a <title> (its value shows
    when hovered, and a screen reader reads the chart's title and labels)."""
    points = [
        (x, y)
        for xs, ys in series.values()
        for x, y in zip(xs, ys, strict=True)
        if x is not None and y is not None and math.isfinite(y) and (y > 0 or not log_y)
    ]
    valid = set(points)
    if not points:
        return ""
    scale = (lambda v: math.log10(v)) if log_y else (lambda v: v)
    x_low, x_high = min(p[0] for p in points), max(p[0] for p in points)
    y_low, y_high = min(scale(p[1]) for p in points), max(scale(p[1]) for p in points)
    x_high, y_high = max(x_high, x_low + 1e-9), max(y_high, y_low + 1e-9)

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            PAD + (x - x_low) / (x_high - x_low) * (WIDTH - 2 * PAD),
            HEIGHT - PAD - (scale(y) - y_low) / (y_high - y_low) * (HEIGHT - 2 * PAD),
        )

    escape = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT + 30}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<rect x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" height="{HEIGHT - 2 * PAD}" '
        'fill="none" stroke="#999"/>',
    ]
    y_ticks = [t for t in _ticks(y_low, y_high) if not log_y or float(t).is_integer()]
    if log_y and len(y_ticks) < 2:  # less than a decade: round values on the log axis
        y_ticks = [math.log10(v) for v in _ticks(10**y_low, 10**y_high) if v > 0]
    for tick in y_ticks:
        y = HEIGHT - PAD - (tick - y_low) / (y_high - y_low) * (HEIGHT - 2 * PAD)
        shown = 10**tick if log_y else tick
        parts.append(
            f'<text x="{PAD - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{significant(round(shown, 9), 4, language)}</text>"
        )
    x_ticks = _ticks(x_low, x_high, 6)
    if all(float(p[0]).is_integer() for p in points):  # steps, epochs: whole ticks only
        x_ticks = [t for t in x_ticks if float(t).is_integer()] or x_ticks
    for tick in x_ticks:
        x = PAD + (tick - x_low) / (x_high - x_low) * (WIDTH - 2 * PAD)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - PAD + 16}" text-anchor="middle">'
            f"{significant(round(tick, 9), 4, language)}</text>"
        )
    parts.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle">'
        f'{escape(x_label)}</text><text x="14" y="{HEIGHT / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {HEIGHT / 2})">{escape(y_label)}</text>'
    )
    legend_x = PAD
    for index, (name, (xs, ys)) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        kept = [(x, y) for x, y in zip(xs, ys, strict=True) if (x, y) in valid]
        line = " ".join(f"{a:.1f},{b:.1f}" for a, b in (at(x, y) for x, y in kept))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in kept[:: max(1, len(kept) // 60)]:  # hover targets, at most about 60
            cx, cy = at(x, y)
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}"><title>'
                f"{escape(name)}: {significant(x, 6, language)}, {significant(y, 4, language)}"
                "</title></circle>"
            )
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT + 12}" width="14" height="4" '
            f'fill="{colour}"/><text x="{legend_x + 20}" y="{HEIGHT + 18}">'
            f"{escape(name)}</text>"
        )
        legend_x += 40 + 7 * len(name)  # about 7 px a character at 13 px
    return "".join(parts) + "</svg>"


def mosaic_png(rows: list[torch.Tensor], scale: int = 4, gap: int = 2) -> bytes:
    """Rows of (N, 1, 28, 28) images in [0, 1] as one PNG, each pixel a scale x scale block."""
    from PIL import Image

    count = max(len(row) for row in rows)
    size = 28 * scale + gap
    canvas = np.full((len(rows) * size - gap, count * size - gap), 40, np.uint8)
    for r, row in enumerate(rows):
        pixels = (row[:, 0].detach().float().cpu().clamp(0, 1).numpy() * 255).astype(np.uint8)
        for c, image in enumerate(pixels):
            canvas[r * size : r * size + size - gap, c * size : c * size + size - gap] = np.kron(
                image, np.ones((scale, scale), np.uint8)
            )
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="PNG")
    return buffer.getvalue()


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><th scope="row">{html.escape(k)}</th><td class="n">{html.escape(v)}</td></tr>'
        for k, v in rows
    )
    return f"<table>{cells}</table>"


def _value(value: Any, language: str, labels: dict[str, str]) -> str:
    if isinstance(value, bool):
        return labels.get(str(value).lower(), str(value).lower())
    if isinstance(value, str):
        return labels.get(f"choice_{value}", value)
    if isinstance(value, (int, float)):
        return significant(float(value), 6, language) if isinstance(value, float) else str(value)
    if isinstance(value, (list, tuple)):  # layer sizes, as an architecture is written
        return "-".join(map(str, value))
    return str(value)


def report_html(
    run: dict[str, Any],
    model: torch.nn.Module,
    images: torch.Tensor,
    labels: dict[str, str],
    language: str = "en",
    today: date | None = None,
) -> bytes:
    """The report as UTF-8 HTML. `run`: run.json's keys (variant, hyperparameters,
    train_config, dataset, history, metrics) and name; `images`: test digits to reconstruct;
    `labels`: the texts (title, settings, ..., a label for any setting or metric name, the data
    set's name as dataset_<id>, date_format: strftime's, e.g. %d/%m/%Y)."""
    hyper, train = checked_settings(run)
    label = lambda key: labels.get(key, key)  # noqa: E731
    history, metrics = run.get("history", {}), run.get("metrics", {})
    name = str(run.get("name") or run["variant"])
    dataset = str(run.get("dataset", ""))
    when = (today or date.today()).strftime(labels.get("date_format", "%Y-%m-%d"))
    settings = [
        (label("variant"), label(f"variant_{run['variant']}")),
        (
            label("dataset"),
            label("upload")
            if dataset.startswith("upload:")
            else label(f"dataset_{dataset}").removeprefix("dataset_"),
        ),
        (label("date"), when),
    ]
    settings += [
        (label(k), _value(v, language, labels))
        for k, v in {**hyper, **train}.items()
        if k in hyper or k in TRAIN_KEYS
    ]
    shown = [
        (label(k), significant(v, 4, language))
        for k, v in metrics.items()
        if isinstance(v, (int, float))
    ]
    steps, terms = history.get("loss_steps", []), history.get("loss_terms", {})
    loss = svg_chart(
        {label(f"term_{k}"): (steps, v) for k, v in terms.items()},
        label("loss_chart"),
        label("step"),
        label("loss"),
        language,
        log_y=True,
    )
    epochs = history.get("epoch_metrics", [])
    val = svg_chart(
        {
            label("val_sse_per_image"): (
                [e.get("epoch") for e in epochs],
                [e.get("val_sse_per_image") for e in epochs],
            )
        },
        label("val_chart"),
        label("epoch"),
        label("sse"),
        language,
    )
    picture = base64.b64encode(mosaic_png([images, reconstruct_all(model, images)])).decode()
    body = [
        f"<h1>{html.escape(label('title').format(run=name))}</h1>",
        f"<h2>{html.escape(label('settings'))}</h2>",
        _table(settings),
        f"<h2>{html.escape(label('metrics'))}</h2>",
        _table(shown),
        f"<h2>{html.escape(label('curves'))}</h2>",
        loss,
        val,
        f"<h2>{html.escape(label('reconstructions'))}</h2>",
        f'<img src="data:image/png;base64,{picture}" alt="{html.escape(label("recon_alt"))}">',
    ]
    page = (
        f'<!DOCTYPE html><html lang="{"pt-BR" if language == "pt" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{html.escape(label("title").format(run=name))}'
        f"</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )
    return page.encode("utf-8")
