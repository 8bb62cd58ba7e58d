"""Command line: python -m core {list, train, baseline, zoo} ...

Long because: one command line: its four commands share the argument parser and the progress
printer."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from core.data.loading import load_dataset, locate
from core.data.registry import DATASETS
from core.devices import device_label, resolve_device
from core.jobs.backends import leave_backend, start_job, use_backend
from core.jobs.spec import JobSpec
from core.messages import describe_phase
from core.models import MODELS
from core.params import field_default, make_config, parse_assignments
from core.runs.store import runs_dir, safe_name, save_run
from core.science.analysis import pca_baseline
from core.settings import env_text
from core.teaching.zoo import ZOO_DIR, build_zoo
from core.training.loop import TrainConfig


class _Progress:
    """A tqdm bar on a terminal; one plain line per epoch (or per tenth of a download) when
    stderr is a log file, so logs stay readable."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self.tty = sys.stderr.isatty()
        self.bar = tqdm(
            total=1.0,
            file=sys.stderr,
            disable=not self.tty,
            leave=True,
            bar_format="{l_bar}{bar}| {elapsed} {postfix}",
        )
        self.last_line = None

    def fraction(self, fraction: float, text: str, line_key: object = None) -> None:
        if self.tty:
            self.bar.n = max(0.0, min(1.0, fraction))
            self.bar.set_postfix_str(text, refresh=True)
        elif line_key != self.last_line:
            self.last_line = line_key
            print(f"{fraction:6.1%} {text}", file=sys.stderr, flush=True)

    def download(self, fraction: float, text: str) -> None:
        self.fraction(fraction, text, line_key=int(fraction * 10))

    def training(self, snapshot) -> None:
        self.fraction(
            snapshot.progress,
            f"{describe_phase(snapshot)}, {snapshot.samples_per_second:,.0f} img/s",
            line_key=(snapshot.phase, snapshot.phase_fields.get("stage"), snapshot.epoch),
        )

    def close(self) -> None:
        self.bar.close()


def command_list(args: argparse.Namespace) -> int:
    print("Variants (python -m core train --variant NAME --set key=value ...):")
    for name, cls in MODELS.items():
        print(f"  {name:<14} {cls.title}")
        if cls.presets:
            print(f"      presets (--preset NAME): {', '.join(cls.presets)}")
        for f in dataclasses.fields(cls.Config):
            default = field_default(f)
            limits = f.metadata.get("choices") or (
                f"{f.metadata['low']}..{f.metadata['high']}"
                if f.metadata.get("low") is not None
                else ""
            )
            print(f"      {f.name:<20} {default!s:<18} {limits!s:<24} {f.metadata['help']}")
    print("\nDatasets:")
    for name, info in DATASETS.items():
        print(f"  {name:<14} {info.title:<40} {locate(name, args.data_dir)}")
    return 0


def _train_spec(args: argparse.Namespace) -> JobSpec:
    """The job `train`'s arguments ask for."""
    # a preset first (deep: --preset paper), then --set and the flags on top of it
    hyper, config_values = MODELS[args.variant].preset(args.preset) if args.preset else ({}, {})
    hyper.update(parse_assignments(args.set or []))
    if "preset" in hyper:
        raise ValueError(f"A preset is chosen with --preset {hyper['preset']}, not --set.")
    if args.code_dim is not None:
        hyper["code_dim"] = args.code_dim
    config_values.update(
        {
            k: v
            for k, v in {
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "lr": args.lr,
                "seed": args.seed,
                "device": args.device,
            }.items()
            if v is not None
        }
    )
    return JobSpec(args.variant, hyper, make_config(TrainConfig, config_values), args.dataset)


def command_train(args: argparse.Namespace) -> int:
    spec = _train_spec(args)
    config = spec.config
    progress = _Progress()
    dataset = load_dataset(args.dataset, args.data_dir, progress=progress.download)
    if args.backend == "ray":  # a Ray actor; with no address, a local Ray in this process
        if args.data_dir:  # the workers of a local Ray inherit the environment
            os.environ["AE_DATA_DIR"] = args.data_dir
        where = f"Ray at {args.ray_address or 'local'}"
    else:
        where = device_label(resolve_device(config.device))
    problem = use_backend(args.backend, args.ray_address)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        job = start_job(spec, dataset)
        print(
            f"Training {args.variant} ({job.model.parameter_count():,} parameters) on "
            f"{dataset!r}, {where}",
            file=sys.stderr,
        )
        snapshot = _follow(job, progress)
    finally:
        leave_backend()  # stops a local Ray; leaves a cluster's other jobs alone
    progress.training(snapshot)
    progress.close()
    if snapshot.status != "done":
        print(snapshot.error or f"Training {snapshot.status}.", file=sys.stderr)
        return 1
    metrics = snapshot.test_metrics  # the final model's, on the test set
    print(
        f"{args.variant}: {snapshot.elapsed:.1f} s, test SSE per image "
        f"{metrics['test_sse_per_image']:.2f}, test MSE {metrics['test_mse']:.4f}, "
        f"test BCE {metrics['test_bce']:.4f}"
    )
    if args.out or args.save:
        folder = args.out or runs_dir() / safe_name(f"{args.variant}-{args.dataset}")
        extra = (
            {"backend": "ray", "node": job.placement.get("node")} if args.backend == "ray" else None
        )
        save_run(
            folder,
            job.model,
            dataset=args.dataset,
            train_config=dataclasses.asdict(config),
            snapshot=snapshot,
            extra=extra,
        )
        print(f"Saved to {folder}")
    return 0


def _follow(job, progress: _Progress):
    """The job's progress until it ends (Ctrl-C stops it); its last snapshot."""
    try:
        while (snapshot := job.wait(timeout=0.25)).status in ("queued", "running"):
            progress.training(snapshot)
    except KeyboardInterrupt:
        job.stop()
        snapshot = job.wait()
    return snapshot


def command_baseline(args: argparse.Namespace) -> int:
    progress = _Progress()
    dataset = load_dataset(args.dataset, args.data_dir, progress=progress.download)
    progress.close()
    errors = pca_baseline(dataset, args.dim)
    print(
        f"PCA-{args.dim} on {args.dataset}: SSE per image {errors['sse_per_image']:.2f}, "
        f"MSE {errors['mse']:.4f}, BCE {errors['bce']:.4f}"
    )
    return 0


def command_zoo(args: argparse.Namespace) -> int:
    dataset = load_dataset(args.dataset, args.data_dir, download=False)
    print(f"Building the zoo in {args.out or ZOO_DIR} from {dataset!r}", file=sys.stderr)
    rows = build_zoo(
        args.out or ZOO_DIR,
        args.only,
        lambda text: print(text, file=sys.stderr, flush=True),
        dataset=dataset,
        epochs=args.epochs,
    )
    print(f"{'name':<16}{'epochs':>7}{'seconds':>9}{'test error':>12}  {'weights':<9}{'MB':>7}")
    for row in rows:
        error = (
            f"{row['test_sse_per_image']:.3f}"
            if "test_sse_per_image" in row
            else f"{row['test_accuracy']:.2%}"
        )
        print(
            f"{row['name']:<16}{row['epochs']:>7}{row['train_seconds']:>9.1f}{error:>12}  "
            f"{row['weights']:<9}{row['bytes'] / 1e6:>7.2f}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", help="folder holding <dataset>/ with the IDX files (default: $AE_DATA_DIR)"
    )
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="variants, hyperparameters and datasets", parents=[common])
    train_parser = sub.add_parser(
        "train", help="train one variant and print test errors", parents=[common]
    )
    train_parser.add_argument("--variant", required=True, choices=list(MODELS))
    train_parser.add_argument("--dataset", default="digits", choices=list(DATASETS))
    for flag, kind in (
        ("--epochs", int),
        ("--batch-size", int),
        ("--lr", float),
        ("--seed", int),
        ("--code-dim", int),
    ):
        train_parser.add_argument(flag, type=kind)
    train_parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    train_parser.add_argument(
        "--preset",
        metavar="NAME",
        help="named settings of the variant, applied before --set and "
        "the flags (deep: fast, paper; see `list`)",
    )
    train_parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="a hyperparameter, e.g. --set l1_weight=2 (repeatable)",
    )
    train_parser.add_argument("--out", help="save the run to this folder")
    train_parser.add_argument("--save", action="store_true", help="save under $AE_RUNS_DIR")
    ray_address = env_text("AE_RAY_ADDRESS")
    train_parser.add_argument(
        "--backend",
        choices=["local", "ray"],
        default="ray" if ray_address else "local",
        help="where the job runs: a thread here, or a Ray actor "
        "(default: ray when $AE_RAY_ADDRESS is set)",
    )
    train_parser.add_argument(
        "--ray-address",
        metavar="ADDR",
        default=ray_address,
        help="the Ray cluster (host:port); none: a local Ray for this run "
        "(default: $AE_RAY_ADDRESS)",
    )
    baseline = sub.add_parser("baseline", help="reference errors", parents=[common])
    baseline.add_argument("kind", choices=["pca"])
    baseline.add_argument("--dataset", default="mnist", choices=list(DATASETS))
    baseline.add_argument("--dim", type=int, default=30)
    zoo = sub.add_parser(
        "zoo", help="train and save the pretrained zoo (assets/zoo)", parents=[common]
    )
    zoo.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="build only these entries (e.g. standard vae-2d classifier)",
    )
    zoo.add_argument("--out", help="folder to write the zoo to (default: assets/zoo)")
    zoo.add_argument(
        "--dataset",
        default="mnist",
        choices=list(DATASETS),
        help="train on another dataset (quick checks; the zoo is MNIST)",
    )
    zoo.add_argument("--epochs", type=int, help="one epoch count for every entry (quick checks)")
    args = parser.parse_args(argv)
    handler = {
        "list": command_list,
        "train": command_train,
        "baseline": command_baseline,
        "zoo": command_zoo,
    }
    try:
        return handler[args.command](args)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
