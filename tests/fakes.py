"""Fakes the tests share: a job the test drives (`FakeJob`, the public Job interface) and
`refused`, which expects a Problem with a given key; `record`, a class board's record;
`untrained_run`, a session's run of a freshly built model; strokes a drawing pad sends (SEVEN,
ZERO) and `drawn_digit`, a 28x28 drawing as the Draw page makes it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.jobs.spec import Job, JobSpec
from core.messages import Problem
from core.models import build_model
from core.progress import JobSnapshot
from core.science import drawing
from core.training.loop import TrainConfig


def refused(key: str, call, *args, **kwargs) -> Problem:
    with pytest.raises(Problem) as info:
        call(*args, **kwargs)
    assert info.value.key == key, (info.value.key, str(info.value))
    return info.value


class FakeJob(Job):
    """The public Job interface, driven by the test: a run that trains, then finishes (what it
    does not say, Job's defaults say: no queue, no time budget, no stepping)."""

    def __init__(self, variant: str = "standard", epochs: int = 1, **hyperparameters):
        self.spec = JobSpec(variant, hyperparameters, TrainConfig(epochs=epochs), "digits")
        self.model = build_model(variant, **hyperparameters)
        self.state = JobSnapshot(status="running", phase="training", epochs=epochs)

    def snapshot(self) -> JobSnapshot:
        return self.state

    def state_dict(self):
        return self.model.state_dict()

    def finish(self, dataset) -> None:
        x = dataset.x_test[:8]
        self.state = JobSnapshot(
            status="done",
            phase="done",
            epoch=1,
            epochs=1,
            progress=1.0,
            loss_steps=[1, 2],
            loss_terms={"loss": [90.0, 80.0]},
            epoch_metrics=[{"epoch": 1, "val_sse_per_image": 30.0}],
            test_metrics={"test_sse_per_image": 31.0},
            preview_inputs=x,
            preview_outputs=self.model(x).detach(),
        )


def record(
    run_id,
    variant="standard",
    error=30.0,
    code=32,
    epochs=1,
    parameters=50_000,
    status="done",
    dataset="mnist",
):
    return {
        "run_id": run_id,
        "nickname": run_id,
        "variant": variant,
        "code_size": code,
        "dataset": dataset,
        "epochs": epochs,
        "parameters": parameters,
        "status": status,
        "metrics": None
        if status != "done"
        else {
            "sse_per_image": error,
            "near_zero_share": error / 100,
            "parameters": parameters,
            "noise": {"gaussian": {"0.3": error + 5}},
        },
    }


def untrained_run(variant: str, dataset, run_id: str = "mine", **fields):
    """A run as a browser session holds it (ui.runs.session.Run), its model freshly built from
    a fixed seed with `fields`' hyperparameters under "hyperparameters" ({"code_dim": 2}); any
    other field goes to the Run (saved_path=..., job=...)."""
    from ui.runs.session import Run

    torch.manual_seed(0)
    model = build_model(variant, **fields.pop("hyperparameters", {}))
    return Run(
        id=run_id,
        name=f"{run_id}-1",
        variant=variant,
        dataset=dataset,
        model=model,
        train_config={},
        **fields,
    )


# strokes as the pad sends them (points on its 280 px canvas): a seven and a zero
SEVEN = [[(60, 50), (220, 50)], [(220, 50), (120, 240)]]
ZERO = [[(140 + 70 * np.cos(a), 140 + 100 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 60)]]


def drawn_digit(seed: int = 0) -> np.ndarray:
    """A 28x28 drawing as the Draw page makes it: strokes painted, then made MNIST-like (a 7,
    shifted a little by `seed`)."""
    shift = seed % 5 * 10
    strokes = [[(80 + shift, 60), (200, 60), (120 + shift, 220)]]
    return drawing.to_mnist(drawing.render_strokes(strokes)).view(28, 28).numpy()
