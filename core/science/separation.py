"""How much a 2-D picture of codes shows: whether its points keep the classes apart, and
whether the digits decoded from a plane are recognisable. Pure functions of tensors (and of the
digit classifier); core.science.analysis re-exports them with the other metrics."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from core.science.classifier import predict


def neighbour_accuracy(
    codes: torch.Tensor, labels: torch.Tensor, k: int = 5, folds: int = 5
) -> float:
    """Cross-validated k-nearest-neighbour accuracy of points (N, D) with labels (N,): each of
    `folds` contiguous folds is classified by the majority label of its k nearest points
    (Euclidean) in the other folds, ties to the smallest label (as scikit-learn does). How well
    a map keeps the classes apart, whatever their shape (a linear probe would miss curved
    clusters)."""
    points = torch.as_tensor(codes).double().flatten(1)
    labels = torch.as_tensor(labels).long()
    classes = int(labels.max()) + 1
    edges = torch.linspace(0, len(points), folds + 1).long().tolist()
    correct = 0
    for start, stop in zip(edges[:-1], edges[1:], strict=True):
        inside = torch.zeros(len(points), dtype=torch.bool)
        inside[start:stop] = True
        reference, reference_labels = points[~inside], labels[~inside]
        for chunk in range(start, stop, 2048):
            query = points[chunk : min(chunk + 2048, stop)]
            nearest = torch.cdist(query, reference).topk(k, largest=False).indices
            votes = F.one_hot(reference_labels[nearest], classes).sum(1)  # (B, classes)
            correct += int((votes.argmax(1) == labels[chunk : chunk + len(query)]).sum())
    return correct / len(points)


def confident_share(
    classifier: torch.nn.Module, images: torch.Tensor, threshold: float = 0.9
) -> float:
    """Share of images (N, 1, 28, 28) the digit classifier (core.science.classifier) reads as one
    digit
    with probability above `threshold`: how many cells of a decoded plane show a recognisable
    digit rather than a blur between two."""
    return float((predict(classifier, images).max(dim=1).values > threshold).float().mean())
