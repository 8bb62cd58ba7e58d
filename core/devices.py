"""Where training runs and in what arithmetic: the device choice, the precision policy, and the
one-time costs worth paying before a user waits."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import torch


def machine() -> dict[str, Any]:
    """What this process runs on, for run.json's zoo section and the benchmarks' results."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' -> cuda if present, then Apple's mps, then cpu; an unavailable choice is an error."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for but no CUDA GPU is available; use 'auto'.")
    if name == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device='mps' was asked for but Apple's MPS is not available; use 'auto'.")
    return torch.device(name)


def device_kind(name: str | torch.device = "auto") -> str:
    """'cpu', 'cuda' or 'mps': the kind of device a setting resolves to."""
    return resolve_device(str(name)).type if str(name) == "auto" else torch.device(name).type


# On CPUs with bfloat16 in hardware (AVX-512 BF16, AMX), bfloat16 autocast paid nothing for
# the small models (measured on an AMX machine: standard, 51k parameters, and multilayer, 419k,
# within noise of float32, three runs each) while it rounds every activation to 8 bits of
# mantissa; AMX's tiles gain on large matrix products, so only models this large train in it.
# bench/precision.py measures the choice on any machine (BENCHMARKS.md has the table).
BF16_MIN_PARAMETERS = 1_000_000


def cpu_kind() -> str:
    """The CPU's vector extensions as torch dispatches them: AVX2, AVX-512, AVX-512 with fast
    bfloat16 (AVX-512 BF16 or AMX), or another architecture's name."""
    capability = torch.backends.cpu.get_cpu_capability()  # "AVX2", "AVX512", "DEFAULT", ...
    if capability.startswith("AVX512"):
        return "AVX-512 with fast bfloat16" if _fast_bf16() else "AVX-512"
    return capability if capability != "DEFAULT" else platform.machine()


def _fast_bf16() -> bool:
    try:  # oneDNN's own test for fast bf16 (AVX-512 BF16 or AMX)
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(name: str, device: torch.device, model: Any) -> torch.dtype | None:
    """The autocast dtype for training `model` (an Autoencoder), or None for plain float32."""
    if name == "float32":
        return None
    if name == "bfloat16":
        return torch.bfloat16
    if device.type == "cuda":
        # These models are small: a step is bound by kernel launches, and autocast's casts add
        # launches, so float32 (with TF32 matrix products) is the faster choice on GPUs.
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        return None
    if device.type == "cpu" and _fast_bf16():
        return torch.bfloat16 if model.parameter_count() >= BF16_MIN_PARAMETERS else None
    return None


def device_facts(device: torch.device) -> dict[str, Any]:
    """What a device is, as data the UI words: {"kind": "cpu", "threads": 16} or
    {"kind": "gpu", "name": "NVIDIA H100"}."""
    if device.type == "cuda":
        return {"kind": "gpu", "name": torch.cuda.get_device_name(device)}
    if device.type == "mps":
        return {"kind": "gpu", "name": "Apple MPS"}
    return {"kind": "cpu", "threads": torch.get_num_threads()}


def device_label(device: torch.device) -> str:
    """The device in English (the command line's words; the UI words device_facts)."""
    facts = device_facts(device)
    if facts["kind"] == "gpu":
        return f"GPU: {facts['name']}"
    return f"CPU ({facts['threads']} threads)"


def warm_up() -> None:
    """Pay torch's one-time costs (the first optimizer import takes ~1 s) before a user waits."""
    parameter = torch.nn.Parameter(torch.zeros(1))
    parameter.grad = torch.zeros(1)
    torch.optim.Adam([parameter]).step()
