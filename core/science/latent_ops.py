"""Hands-on arithmetic in a code space: the true nearest neighbours of a digit (in code space and
in pixel space), attribute vectors, analogies, paths between two codes, and how far a moved code
falls from the data. Pure functions of tensors; nothing here knows about Streamlit.

White 2016 ("Sampling Generative Networks") is the reference for the attribute vector (the
difference of two groups' mean codes), the analogy (b - a + c) and spherical interpolation for
Gaussian latents. Neighbours are exact (torch.cdist + topk over every point), not approximate:
the Embedding Projector's lesson is that the space they are computed in changes who is near."""

from __future__ import annotations

import torch

TYPICAL_SAMPLE = 1000  # reference codes whose nearest-neighbour distance makes the typical one
CHUNK = 256  # query rows per cdist call: (CHUNK, N) distances at a time (10 MB for N = 10,000)
EXACT = "donot_use_mm_for_euclid_dist"  # differences, not |x|^2 + |y|^2 - 2xy: no cancellation


def _distances(queries: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Euclidean distances (M, N) between rows, in the inputs' precision (float32 at least):
    a float64 copy of 10,000 images would be 63 MB on every rerun."""
    dtype = torch.promote_types(torch.promote_types(queries.dtype, points.dtype), torch.float32)
    return torch.cdist(queries.to(dtype), points.to(dtype), compute_mode=EXACT)


def nearest(
    points: torch.Tensor, query: torch.Tensor, k: int, exclude: int | None = None
) -> torch.Tensor:
    """Indices (k,) of the k rows of points (N, ...) closest to query (...) in Euclidean
    distance, closest first; rows are flattened (an image (1, 28, 28) becomes 784 pixels).
    `exclude`: a row index left out (the query's own row)."""
    distances = _distances(query.reshape(1, -1), points.reshape(len(points), -1)).view(-1)  # (N,)
    if exclude is not None:
        distances[exclude] = float("inf")
    available = len(points) - (exclude is not None)
    return distances.topk(max(0, min(k, available)), largest=False).indices


def neighbours(codes: torch.Tensor, images: torch.Tensor, index: int, k: int = 8) -> dict:
    """The k nearest of digit `index` among the others, in code space (codes (N, D)) and in pixel
    space (images (N, 1, 28, 28)): {"code": (k,), "pixel": (k,), "shared": how many are in both}."""
    by_code = nearest(codes, codes[index], k, exclude=index)
    by_pixel = nearest(images, images[index], k, exclude=index)
    shared = len(set(by_code.tolist()) & set(by_pixel.tolist()))
    return {"code": by_code, "pixel": by_pixel, "shared": shared}


def attribute_vector(codes_a: torch.Tensor, codes_b: torch.Tensor) -> torch.Tensor:
    """White 2016's attribute vector: mean(codes_b) - mean(codes_a), (D,) from (Na, D) and
    (Nb, D): the step that takes an average A to an average B."""
    if len(codes_a) == 0 or len(codes_b) == 0:
        raise ValueError("Each group needs at least one code.")
    return (codes_b.double().mean(0) - codes_a.double().mean(0)).float()


def move_along(code: torch.Tensor, direction: torch.Tensor, amounts: torch.Tensor) -> torch.Tensor:
    """code (D,) moved by each of amounts (S,) times direction (D,): (S, D)."""
    return code.reshape(1, -1).float() + amounts.reshape(-1, 1).float() * direction.reshape(1, -1)


def analogy(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """a is to b as c is to ?: code(c) + code(b) - code(a). c may be (D,) or (M, D)."""
    return c.float() + (b.float() - a.float())


def lerp(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """The straight line from a to b (D,) in `steps` evenly spaced points, both ends: (S, D)."""
    weights = torch.linspace(0, 1, steps, dtype=torch.float64).unsqueeze(1)
    return ((1 - weights) * a.double() + weights * b.double()).float()


def slerp(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """Spherical interpolation from a to b (D,) (Shoemake 1985; White 2016 for Gaussian codes):
    the great circle between their directions, both ends exact, (S, D). Between two codes of
    equal length every point keeps that length, where the straight line cuts inside the sphere:
    in many dimensions a N(0, I) prior puts almost no codes near its centre. Parallel codes fall
    back to the straight line."""
    a64, b64 = a.double(), b.double()
    cosine = torch.dot(a64, b64) / (a64.norm() * b64.norm()).clamp_min(1e-12)
    omega = torch.arccos(cosine.clamp(-1.0, 1.0))
    if float(torch.sin(omega).abs()) < 1e-6:
        return lerp(a, b, steps)
    weights = torch.linspace(0, 1, steps, dtype=torch.float64).unsqueeze(1)
    path = (torch.sin((1 - weights) * omega) * a64 + torch.sin(weights * omega) * b64) / torch.sin(
        omega
    )
    path[0], path[-1] = a64, b64  # exact ends, whatever the rounding
    return path.float()


def nearest_distances(reference: torch.Tensor, queries: torch.Tensor) -> torch.Tensor:
    """Each query's (M, D) distance to its nearest reference code (N, D): (M,)."""
    parts = [_distances(chunk, reference).min(1).values for chunk in queries.split(CHUNK)]
    return torch.cat(parts).float() if parts else torch.zeros(0)


def typical_spacing(reference: torch.Tensor, sample: int = TYPICAL_SAMPLE) -> float:
    """How far a data code lies from its nearest neighbour among the data, typically: the
    median, over the first `sample` reference codes (N, D), of the distance to the nearest
    other reference code (exact)."""
    nearest_other = []
    for start in range(0, min(sample, len(reference)), CHUNK):
        rows = torch.arange(start, min(start + CHUNK, sample, len(reference)))
        distances = _distances(reference[rows], reference)  # (rows, N)
        distances[torch.arange(len(rows)), rows] = float("inf")  # not itself
        nearest_other.append(distances.min(1).values)
    return float(torch.cat(nearest_other).median())


def off_data(queries: torch.Tensor, reference: torch.Tensor, spacing: float) -> torch.Tensor:
    """How far off the data each code (M, D) is: its distance to the nearest reference code
    over the typical spacing between data codes (typical_spacing): about 1 or less among the
    data, several times that where no data code lies and the decoder has never been trained."""
    return nearest_distances(reference, queries) / max(spacing, 1e-12)
