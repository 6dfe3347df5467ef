"""`shoal embed --device auto|cpu|cuda` against the real onnxruntime installed here (the CPU build: its
providers are what `onnxruntime.get_available_providers()` says, no CUDA). What runs for real: the
refusal of cuda, auto's fallback with one line, and the fallback when a session asked for CUDA does not
get it (a real MiniLM session made with the CUDA provider first in its list, as onnxruntime-gpu on a
machine without a usable GPU behaves). Not run here: a session that does get the CUDA provider."""
from __future__ import annotations

import contextlib

import numpy as np
import onnxruntime
import pytest

from desktop_app.core.embedding import device
from desktop_app.errors import ShoalError
from desktop_app.store.project import Project

from .conftest import one_clear_line, shoal

HAS_CUDA = device.CUDA in onnxruntime.get_available_providers()


@pytest.fixture(autouse=True)
def _back_to_cpu():
    yield
    device.select("cpu")


@pytest.mark.skipif(HAS_CUDA, reason="this onnxruntime has the CUDA provider")
def test_cuda_without_the_provider_is_refused_and_auto_falls_back_to_cpu():
    offered = onnxruntime.get_available_providers()
    with pytest.raises(ShoalError, match="no CUDA provider") as e:
        device.select("cuda")
    assert ", ".join(offered) in str(e.value) and "shoal[gpu]" in str(e.value)
    assert device.select("auto") == "cpu" and device.providers() == [device.CPU]
    assert "device: cpu" in (device.note() or "") and device.default_batch() == device.CPU_BATCH
    assert device.select("cpu") == "cpu" and device.note() is None
    with pytest.raises(ShoalError, match="unknown device"):
        device.select("tpu")


def test_a_session_that_does_not_get_cuda_falls_back_under_auto_and_fails_under_cuda():
    from desktop_app.core.embedding.minilm import MiniLMEncoder

    offered = [device.CUDA, device.CPU]  # as onnxruntime-gpu lists them, with or without a usable GPU
    assert device.select("auto", providers=offered) == "cuda"
    assert device.providers() == [device.CUDA, device.CPU] and device.default_batch() == device.GPU_BATCH
    assert device.run_scale() == device.GPU_RUN_SCALE
    enc = MiniLMEncoder()
    with pytest.warns(UserWarning) if not HAS_CUDA else contextlib.nullcontext():
        v = enc.encode(["a short text", "another one"])
    if not HAS_CUDA:
        assert device.current() == "cpu" and "no usable CUDA device" in device.note()
        assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
        device.select("cuda", providers=offered)
        with pytest.warns(UserWarning), pytest.raises(ShoalError, match="no usable CUDA device"):
            MiniLMEncoder().encode(["x"])


@pytest.mark.skipif(HAS_CUDA, reason="this onnxruntime has the CUDA provider")
def test_shoal_embed_device_options(text_project):
    project = text_project(n=40, embed=0)
    r = shoal("embed", project, "--device", "cuda")
    assert r.returncode == 2
    line = one_clear_line(r.stderr)
    assert "--device cuda" in line and "no CUDA provider" in line and "shoal[gpu]" in line
    with Project.open(project) as p:
        assert p.counts()["n_embedded"] == 0  # refused before anything ran
    r = shoal("embed", project)  # --device auto is the default
    assert r.returncode == 0, r.stderr
    assert [line for line in r.stderr.splitlines() if line.startswith("device:")] == [
        f"device: cpu (no CUDA provider in onnxruntime; for a GPU: {device.GPU_INSTALL})"]
    with Project.open(project) as p:
        auto = np.asarray(p.load_embeddings()).copy()
    r = shoal("embed", project, "--reembed", "--device", "cpu")
    assert r.returncode == 0 and "device:" not in r.stderr, r.stderr
    with Project.open(project) as p:
        assert np.allclose(np.asarray(p.load_embeddings()), auto, atol=1e-5)
    r = shoal("embed", project, "--device", "gpu")
    assert r.returncode == 2 and "invalid choice: 'gpu'" in r.stderr
