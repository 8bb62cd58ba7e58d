"""Command line: python -m core {list, train, baseline} ..."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

from core.data import DATASETS, load_dataset, locate
from core.models import MODELS
from core.params import make_config


def _bar(fraction: float, text: str, width: int = 30) -> None:
    filled = int(width * max(0.0, min(1.0, fraction)))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:6.1%} {text:<60}")
    sys.stderr.flush()


def command_list(args: argparse.Namespace) -> int:
    print("Variants (python -m core train --model NAME --set key=value ...):")
    for name, cls in MODELS.items():
        print(f"  {name:<14} {cls.title}")
        for f in dataclasses.fields(cls.Config):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            limits = f.metadata.get("choices") or (
                f"{f.metadata['low']}..{f.metadata['high']}"
                if f.metadata.get("low") is not None else "")
            print(f"      {f.name:<20} {default!s:<18} {limits!s:<24} {f.metadata['help']}")
    print("\nDatasets:")
    for name, info in DATASETS.items():
        print(f"  {name:<14} {info.title:<40} {locate(name, args.data_dir)}")
    return 0


def _parse_sets(pairs: list[str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        if not _:
            raise ValueError(f"--set expects key=value, got {pair!r}.")
        try:
            values[key] = json.loads(raw)
        except ValueError:
            values[key] = raw  # plain strings such as noise=masking
    return values


def command_train(args: argparse.Namespace) -> int:
    import torch

    from core.models import build_model
    from core.store import runs_dir, safe_name, save_run
    from core.training import TrainConfig, device_label, history_of, resolve_device, train

    hyper = _parse_sets(args.set or [])
    if args.code_dim is not None:
        hyper["code_dim"] = args.code_dim
    config_values = {k: v for k, v in {"epochs": args.epochs, "batch_size": args.batch_size,
                                       "lr": args.lr, "seed": args.seed,
                                       "device": args.device}.items() if v is not None}
    config = make_config(TrainConfig, config_values)
    dataset = load_dataset(args.dataset, args.data_dir, progress=_bar)
    torch.manual_seed(config.seed)
    model = build_model(args.model, **hyper)
    print(f"Training {args.model} ({model.parameter_count():,} parameters) on {dataset!r}, "
          f"{device_label(resolve_device(config.device))}", file=sys.stderr)
    started = time.perf_counter()
    snapshot = train(model, dataset, config,
                     on_progress=lambda s: _bar(s.progress, f"{s.phase} epoch {s.epoch}/{s.epochs}"
                                                f" {s.samples_per_second:,.0f} img/s"))
    seconds = time.perf_counter() - started
    sys.stderr.write("\n")
    if snapshot.status != "done":
        print(snapshot.error or f"Training {snapshot.status}.", file=sys.stderr)
        return 1
    metrics = snapshot.test_metrics[-1]
    print(f"{args.model}: {seconds:.1f} s, test SSE per image {metrics['sse_per_image']:.2f}, "
          f"MSE {metrics['mse']:.4f}, BCE {metrics['bce']:.4f}")
    if args.out or args.save:
        folder = args.out or runs_dir() / safe_name(f"{args.model}-{args.dataset}")
        save_run(folder, model, dataset=args.dataset, train_config=dataclasses.asdict(config),
                 history=history_of(snapshot),
                 metrics={**metrics, "train_seconds": seconds})
        print(f"Saved to {folder}")
    return 0


def command_baseline(args: argparse.Namespace) -> int:
    from core.analysis import pca_baseline

    dataset = load_dataset(args.dataset, args.data_dir, progress=_bar)
    sys.stderr.write("\n")
    errors = pca_baseline(dataset, args.dim)
    print(f"PCA-{args.dim} on {args.dataset}: SSE per image {errors['sse_per_image']:.2f}, "
          f"MSE {errors['mse']:.4f}, BCE {errors['bce']:.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="folder holding <dataset>/ with the IDX files "
                        "(default: $AE_DATA_DIR)")
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="variants, hyperparameters and datasets", parents=[common])
    train_parser = sub.add_parser("train", help="train one variant and print test errors",
                                  parents=[common])
    train_parser.add_argument("--model", required=True, choices=list(MODELS))
    train_parser.add_argument("--dataset", default="digits", choices=list(DATASETS))
    for flag, kind in (("--epochs", int), ("--batch-size", int), ("--lr", float),
                       ("--seed", int), ("--code-dim", int)):
        train_parser.add_argument(flag, type=kind)
    train_parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    train_parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                              help="a hyperparameter, e.g. --set l1_weight=2 (repeatable)")
    train_parser.add_argument("--out", help="save the run to this folder")
    train_parser.add_argument("--save", action="store_true", help="save under $AE_RUNS_DIR")
    baseline = sub.add_parser("baseline", help="reference errors", parents=[common])
    baseline.add_argument("kind", choices=["pca"])
    baseline.add_argument("--dataset", default="mnist", choices=list(DATASETS))
    baseline.add_argument("--dim", type=int, default=30)
    args = parser.parse_args(argv)
    handler = {"list": command_list, "train": command_train, "baseline": command_baseline}
    try:
        return handler[args.command](args)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
