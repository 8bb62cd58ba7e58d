"""Tensors of images -> uint8 arrays that st.image shows crisply (nearest-neighbour upscaling)."""

from __future__ import annotations

import io
import math

import numpy as np
import streamlit as st
import torch

from ui.i18n import t


def mosaic(
    images: torch.Tensor, columns: int | None = None, scale: int = 3, gap: int = 2
) -> np.ndarray:
    """(N, 1, 28, 28) in [0, 1] -> one (H, W) uint8 grid with thin gaps."""
    images = images.detach().float().cpu().clamp(0, 1)
    count = len(images)
    columns = columns or count
    rows = (count + columns - 1) // columns
    size = 28 * scale
    canvas = np.full((rows * (size + gap) - gap, columns * (size + gap) - gap), 40, np.uint8)
    pixels = (images[:, 0].numpy() * 255).astype(np.uint8)
    for index in range(count):
        r, c = divmod(index, columns)
        tile = np.kron(pixels[index], np.ones((scale, scale), np.uint8))
        canvas[
            r * (size + gap) : r * (size + gap) + size, c * (size + gap) : c * (size + gap) + size
        ] = tile
    return canvas


def thumbnail(pixels: np.ndarray, scale: int = 2) -> np.ndarray:
    """One drawing (28, 28) uint8, enlarged without blur."""
    return np.kron(np.asarray(pixels, np.uint8), np.ones((scale, scale), np.uint8))


def show_row(
    images: torch.Tensor,
    caption: str | None = None,
    columns: int | None = None,
    scale: int = 3,
    alt: str | None = None,
    download: str | None = None,
    download_images: torch.Tensor | None = None,
) -> None:
    """A mosaic of images; `alt` tells a screen reader what it shows (the caption if None).
    `download` (a file name without its .png) adds a PNG download for slides: of this row, or
    of `download_images` (e.g. this row and the ones above it, `columns` to a row)."""
    if images is None or len(images) == 0:
        st.caption(t("images.none"))
        return
    st.image(
        mosaic(images, columns, scale),
        caption=caption,
        alt=alt or caption or t("images.default_alt", count=len(images)),
    )
    if download:
        shown = images if download_images is None else download_images
        snapshot = shown.detach().cpu().clone()  # as shown, whatever changes later
        st.download_button(
            t("export.image_png"),
            lambda: slide_png(snapshot, columns),
            file_name=f"{download}.png",
            mime="image/png",
            on_click="ignore",
            key=f"png.{download}",
            icon=":material/download:",
            help=t("export.image_png_help"),
        )


SLIDE_WIDTH = 1920  # projector resolution: the narrowest a downloaded row may be


def slide_png(images: torch.Tensor, columns: int | None = None) -> bytes:
    """A mosaic as a PNG at least SLIDE_WIDTH pixels wide, each pixel a square block (nearest
    neighbour: no blur), the gaps grown in proportion."""
    from PIL import Image

    across = min(columns or len(images), len(images))
    scale = math.ceil(SLIDE_WIDTH / (across * 28))
    buffer = io.BytesIO()
    Image.fromarray(mosaic(images, columns, scale, gap=max(2, scale // 2))).save(
        buffer, format="PNG"
    )
    return buffer.getvalue()


def filters_to_images(weights: torch.Tensor, count: int = 32) -> torch.Tensor:
    """First-layer weights (H, 784) -> (count, 1, 28, 28), each scaled to [0, 1]."""
    w = weights[:count].detach().float().cpu().view(-1, 1, 28, 28)
    low = w.amin(dim=(1, 2, 3), keepdim=True)
    high = w.amax(dim=(1, 2, 3), keepdim=True)
    return (w - low) / (high - low).clamp_min(1e-8)
