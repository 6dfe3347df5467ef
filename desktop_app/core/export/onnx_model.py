"""`--format onnx`: the trained classifier as one ONNX file (encoder + head, core.export.onnx_graph), plus
labels.json, tokenizer.json (texts) and a README with a runnable onnxruntime snippet."""
from __future__ import annotations

import json
from pathlib import Path

from desktop_app.core.export.base import ExportData
from desktop_app.errors import ShoalError

IMAGE_README = """# {name}: an image classifier exported by Shoal

One ONNX graph from pixels to probabilities: the encoder ({encoder}) and the trained {head} head.
Input `pixels`: uint8 (N, {size}, {size}, 3) RGB, shorter side resized to {size} and centre-cropped.
Output `probabilities`: float32 (N, {n}); column i is `labels.json`'s `labels[i]`.

```python
import json, numpy as np, onnxruntime as ort
from PIL import Image, ImageOps
def pixels(path, size={size}):
    img = ImageOps.fit(ImageOps.exif_transpose(Image.open(path)).convert("RGB"), (size, size), Image.BICUBIC)
    return np.asarray(img, np.uint8)[None]
labels = json.load(open("labels.json"))["labels"]
p = ort.InferenceSession("model.onnx").run(None, {{"pixels": pixels("photo.jpg")}})[0][0]
print(labels[p.argmax()], p.max())
```
"""

TEXT_README = """# {name}: a text classifier exported by Shoal

One ONNX graph from token ids to probabilities: the encoder ({encoder}) and the trained {head} head.
Inputs `{ids}`, `{mask}`: int64 (N, T), from `tokenizer.json` (truncates to {max_length} tokens).
Output `probabilities`: float32 (N, {n}); column i is `labels.json`'s `labels[i]`.

```python
import json, numpy as np, onnxruntime as ort
from tokenizers import Tokenizer
tok, labels = Tokenizer.from_file("tokenizer.json"), json.load(open("labels.json"))["labels"]
enc = tok.encode("the text to classify")
feed = {{"{ids}": np.array([enc.ids], np.int64), "{mask}": np.ones((1, len(enc.ids)), np.int64)}}
p = ort.InferenceSession("model.onnx").run(None, feed)[0][0]
print(labels[p.argmax()], p.max())
```
"""


def write_onnx(data: ExportData, out: Path, progress=None) -> list[Path]:
    try:
        import onnx
    except ImportError:
        raise ShoalError("the onnx export needs the onnx package: pip install 'shoal[models]'") from None
    from desktop_app.core.export.onnx_graph import compose

    model = data.extra["model"]
    spec = model["spec"]
    composed = compose(spec, model["head"], model["arrays"])
    if composed.ByteSize() > (2 << 30) - (64 << 20):
        raise ShoalError("the composed model is larger than 2 GB, which one ONNX file cannot hold")
    onnx.save(composed, str(out / "model.onnx"))
    files = [out / "model.onnx", out / "labels.json"]
    info = {"labels": model["classes"], "kind": spec.kind, "head": model["head"], "encoder": data.extra.get("encoder"),
            "encoder_identity": data.extra.get("encoder_identity"), "output": "probabilities"}
    fields = {"name": "model.onnx", "encoder": data.extra.get("encoder_identity"), "head": model["head"],
              "n": len(model["classes"])}
    if spec.kind == "image":
        info.update(input="pixels", size=spec.size)
        readme = IMAGE_README.format(size=spec.size, **fields)
    else:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(spec.tokenizer))
        tok.enable_truncation(max_length=spec.max_length)
        tok.no_padding()  # the graph pools over the attention mask; Shoal feeds unpadded ids
        tok.save(str(out / "tokenizer.json"))
        files.append(out / "tokenizer.json")
        ids, mask = spec.inputs["input_ids"], spec.inputs.get("attention_mask") or "attention_mask"
        info.update(inputs=[ids, mask], max_length=spec.max_length)
        readme = TEXT_README.format(ids=ids, mask=mask, max_length=spec.max_length, **fields)
    (out / "labels.json").write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
    (out / "README.md").write_text(readme, encoding="utf-8")
    return files + [out / "README.md"]

