"""Embedding throughput of the bundled encoders, end to end through `embed_pending`.

Text: generated short sentences (5-20 words) in a CSV -> a real text project -> embed_pending.
Images: generated 1024x768 JPEGs (photo-like: shapes, gradients, noise) in a folder -> a real
image project -> embed_pending, so decode + resize + encode + storing are all counted.
Model loading is done once before timing (it is a one-off per run of the app). CPU time per
item (all threads) is reported too: on a shared machine it is the load-independent figure.
"""
from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np

WORDS = ("the a this that my our new old big small red blue green fast slow good bad late early cheap "
         "expensive order delivery package phone screen battery camera price refund support team service "
         "account password email message update app store payment card bank loan rate market stock news "
         "game match team player coach season goal score win lose weather rain sun storm city road train "
         "flight hotel room food pizza coffee tea movie music song book class school exam teacher student "
         "doctor nurse hospital medicine is was will be has had not very really quite too also still just "
         "arrived broke works failed crashed loves hates wants needs bought sold sent received asked told "
         "today yesterday tomorrow again now never always sometimes here there with without for from about").split()


def sentences(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        words = rng.choice(WORDS, size=int(rng.integers(5, 21)))
        out.append(" ".join(words).capitalize() + rng.choice([".", "!", "?"]) + f" #{i}")
    return out


def write_images(folder: Path, n: int, size=(1024, 768), seed: int = 0) -> None:
    from PIL import Image, ImageDraw, ImageFilter

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    w, h = size
    grad = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    for i in range(n):
        base = (rng.random(3) * 255 * (0.3 + 0.7 * grad)).astype(np.uint8)
        img = Image.fromarray(np.broadcast_to(base, (h, w, 3)).copy())
        draw = ImageDraw.Draw(img)
        for _ in range(12):
            x, y = rng.integers(0, w), rng.integers(0, h)
            r = int(rng.integers(20, 200))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
        img = img.filter(ImageFilter.GaussianBlur(2))
        noise = rng.normal(0, 8, (h, w, 3))
        arr = np.clip(np.asarray(img, np.float32) + noise, 0, 255).astype(np.uint8)
        Image.fromarray(arr).save(folder / f"img_{i:05d}.jpg", quality=90)


def text_per_s(work: Path, n: int) -> dict:
    from desktop_app.core.embedding.registry import get_encoder
    from desktop_app.core.sources.base import SourceOptions
    from desktop_app.ops.create import new_project
    from desktop_app.ops.embed import embed_pending

    src = work / "sentences.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows((i, s) for i, s in enumerate(sentences(n)))
    get_encoder("minilm").encode(["warm up the model"])
    with new_project(work / "text.shoal", src, SourceOptions(text_column="text", id_column="id")) as project:
        cpu = time.process_time()
        res = embed_pending(project)
        cpu = time.process_time() - cpu
    return {"text_per_s": res["per_second"], "text_items": n, "text_failed": res["failed"],
            "text_cpu_ms_per_item": 1000 * cpu / n}


def images_per_s(work: Path, n: int) -> dict:
    from desktop_app.core.embedding.registry import get_encoder
    from desktop_app.core.sources.base import SourceOptions
    from desktop_app.ops.create import new_project
    from desktop_app.ops.embed import embed_pending

    folder = work / "images"
    write_images(folder, n)
    enc = get_encoder("efficientnet-lite0")
    enc.encode([np.zeros((enc.size, enc.size, 3), np.uint8)])
    with new_project(work / "images.shoal", folder, SourceOptions(kind="image")) as project:
        cpu = time.process_time()
        res = embed_pending(project)
        cpu = time.process_time() - cpu
    return {"images_per_s": res["per_second"], "image_items": n, "image_failed": res["failed"],
            "image_cpu_ms_per_item": 1000 * cpu / n}
