"""Fusing same-shape jobs: N standard autoencoders (784-32-784, the class's common shape) trained
as one batched model with torch.func (stacked parameters, `functional_call` under `vmap`, one
Adam over the stacked tensors, which is N Adams when the learning rates are equal) against the
same N models stepped one after another, as processor sharing does. Both draw the same batches
and start from the same weights; the fused result is checked against the sequential one.
Measured: images per second over all N models, side by side in one run."""

from __future__ import annotations

import sys
import time

import torch
from torch.func import functional_call, stack_module_state, vmap

from bench.common import Row, table
from core.models import build_seeded


def _models(count: int) -> list[torch.nn.Module]:
    return [build_seeded("standard", {}, seed) for seed in range(count)]


def sequential(models, batches, lr: float) -> float:
    optimizers = [torch.optim.Adam(m.parameters(), lr=lr) for m in models]
    started = time.perf_counter()
    for batch in batches:
        for model, optimizer in zip(models, optimizers, strict=True):
            loss = model.loss(batch)["loss"]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return time.perf_counter() - started


class _Loss(torch.nn.Module):
    """A model's own loss as forward(), so functional_call computes exactly model.loss."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.loss(x)["loss"]


def fused(models, batches, lr: float) -> tuple[float, dict[str, torch.Tensor]]:
    params, buffers = stack_module_state(models)  # (N, ...) each, leaves of their own
    optimizer = torch.optim.Adam(list(params.values()), lr=lr)
    wrapper = _Loss(models[0])

    def one(p, b, x):
        return functional_call(
            wrapper,
            ({f"model.{k}": v for k, v in p.items()}, {f"model.{k}": v for k, v in b.items()}),
            (x,),
        )

    batched = vmap(one, in_dims=(0, 0, None))
    started = time.perf_counter()
    for batch in batches:
        loss = batched(params, buffers, batch).sum()  # the sum: each model's own gradient
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - started, params


def run(quick: bool) -> list[Row]:
    steps, batch = (20, 256) if quick else (100, 256)
    data = torch.rand(steps, batch, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    rows = []
    for count in (4, 16):
        seq_models, fused_models = _models(count), _models(count)
        seq = sequential(seq_models, data, 2e-3)
        fus, params = fused(fused_models, data, 2e-3)
        gap = max(
            float((params[name][index] - dict(model.named_parameters())[name]).abs().max())
            for index, model in enumerate(seq_models)
            for name in params
        )
        images = count * steps * batch
        rows.append(
            Row(
                "fusion",
                f"{count} standard models, batch {batch}: images/s",
                images / fus,
                "img/s",
                images / seq,
                seq / fus,
                note=f"fused vs one after another; largest weight difference {gap:.1e}",
            )
        )
    return rows


if __name__ == "__main__":  # python -m bench.fusion [--quick]
    print(table(run("--quick" in sys.argv[1:])))
