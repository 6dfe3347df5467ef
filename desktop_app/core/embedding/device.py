"""Where the encoders run: the CPU, or a CUDA GPU through onnxruntime's CUDA execution provider.

`shoal embed --device auto|cpu|cuda` calls `select` once; every onnxruntime session an encoder makes
afterwards asks `providers()` and passes itself to `check`. The CUDA provider exists only in the
`onnxruntime-gpu` build (`pip install 'shoal[gpu]'`, never the default install); the plain build lists
CPU (and Azure) only. `onnxruntime-gpu` on a machine without a usable device still lists the CUDA
provider and quietly makes CPU sessions, so `check` looks at the providers a session actually got.

auto: CUDA when the provider is there, else the CPU with one line saying why (`note`).
cpu:  the CPU (the default, also for the GUI and library callers that never call `select`).
cuda: CUDA or a clear error: no provider (ShoalError at `select`) or no usable device (at `check`).
"""
from __future__ import annotations

from desktop_app.errors import ShoalError

DEVICES = ("auto", "cpu", "cuda")
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
GPU_INSTALL = "pip install 'shoal[gpu]' (onnxruntime-gpu, in place of onnxruntime)"
CPU_BATCH, GPU_BATCH = 64, 256   # items per encode batch, by device (`--batch-size` overrides)
GPU_RUN_SCALE = 4                # model runs (MiniLM's token budget, EfficientNet's run) are this much larger on a GPU

_state: dict = {"device": "cpu", "strict": False, "note": None}


def available_providers() -> list[str]:
    import onnxruntime as ort

    return list(ort.get_available_providers())


def select(device: str, providers: list[str] | None = None) -> str:
    """Use `device` for the sessions made from now on; return the one chosen ('cuda' or 'cpu').
    `providers`: what onnxruntime offers (default: asked of the installed onnxruntime)."""
    if device not in DEVICES:
        raise ShoalError(f"unknown device {device!r} (choose from {', '.join(DEVICES)})")
    offered = available_providers() if providers is None else list(providers)
    has_cuda = CUDA in offered
    if device == "cuda" and not has_cuda:
        raise ShoalError(f"--device cuda: this onnxruntime has no CUDA provider (it offers {', '.join(offered)}); "
                         f"install the GPU build: {GPU_INSTALL}")
    chosen = "cuda" if device == "cuda" or (device == "auto" and has_cuda) else "cpu"
    note = None
    if device == "auto" and not has_cuda:
        note = f"device: cpu (no CUDA provider in onnxruntime; for a GPU: {GPU_INSTALL})"
    _state.update(device=chosen, strict=device == "cuda", note=note)
    return chosen


def current() -> str:
    return str(_state["device"])


def note() -> str | None:
    """The one line to show about the device (auto fell back to the CPU), or None."""
    return _state["note"]


def providers() -> list[str]:
    return [CUDA, CPU] if _state["device"] == "cuda" else [CPU]


def check(session) -> None:
    """After making a session: on CUDA, one that did not get the CUDA provider (no usable device, or
    a CUDA/cuDNN mismatch) is an error under --device cuda, and under auto the CPU with a note."""
    if _state["device"] != "cuda" or CUDA in session.get_providers():
        return
    if _state["strict"]:
        raise ShoalError("--device cuda: onnxruntime-gpu found no usable CUDA device (check the driver, and "
                         "that CUDA and cuDNN match the onnxruntime-gpu build); use --device cpu")
    _state.update(device="cpu", note="device: cpu (onnxruntime-gpu found no usable CUDA device)")


def default_batch() -> int:
    return GPU_BATCH if _state["device"] == "cuda" else CPU_BATCH


def run_scale() -> int:
    return GPU_RUN_SCALE if _state["device"] == "cuda" else 1
