"""Where a project's pending items are embedded: this computer's encoder (`ops.embed.embed_pending`) or a
Ray Data pipeline (`ops.embed_ray`), on the device chosen (`core.embedding.device`). One entry point for
the CLI (`shoal embed --engine/--device`) and the GUI (File ▸ Embedding and index…)."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Callable

from desktop_app.store.project import Project

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


@dataclass(frozen=True)
class EngineChoice:
    engine: str = "local"            # a key of ENGINES
    device: str = "auto"             # auto | cpu | cuda
    address: str | None = None       # ray: the cluster (None: start a local runtime)
    workers: int | None = None       # ray: encoder actors (None: one per CPU, or per GPU)

    def describe(self) -> str:
        if self.engine == "ray":
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray runtime"
            return where + (f", {self.workers} worker{'s' if self.workers != 1 else ''}" if self.workers else "")
        return "this computer"


def _local(project: Project, choice: EngineChoice, progress, cancel, batch_size) -> dict:
    from desktop_app.core.embedding import device
    from desktop_app.ops.embed import embed_pending

    device.select(choice.device)
    result = embed_pending(project, progress=progress, cancel=cancel, batch_size=batch_size or device.default_batch())
    return {**result, "device": device.current(), "device_note": device.note()}


def _ray(project: Project, choice: EngineChoice, progress, cancel, batch_size) -> dict:
    from desktop_app.ops.embed_ray import embed_with_ray

    return embed_with_ray(project, address=choice.address, workers=choice.workers, progress=progress,
                          batch_size=batch_size, device=choice.device, cancel=cancel)


ENGINES: dict[str, Callable[..., dict]] = {"local": _local, "ray": _ray}


def run_embedding(project: Project, choice: EngineChoice = EngineChoice(), progress: Progress | None = None,
                  cancel: Cancel | None = None, batch_size: int | None = None) -> dict:
    """Embed every item without a vector; safe to stop (each batch, or each Ray import, is committed)."""
    from desktop_app.errors import ShoalError

    if choice.engine not in ENGINES:
        raise ShoalError(f"unknown engine {choice.engine!r} (choose from {', '.join(ENGINES)})")
    return ENGINES[choice.engine](project, choice, progress, cancel, batch_size)


def ray_installed() -> bool:
    return importlib.util.find_spec("ray") is not None


def cuda_offered() -> bool:
    """Whether the installed onnxruntime has the CUDA provider (onnxruntime-gpu); a device may still be missing."""
    from desktop_app.core.embedding import device

    return device.CUDA in device.available_providers()
