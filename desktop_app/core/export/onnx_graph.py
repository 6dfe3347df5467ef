"""One ONNX graph from input tensor to class probabilities: the project's encoder (its own graph, untouched),
then Shoal's preprocessing, pooling, L2 normalisation and trained head as plain ONNX nodes.

image input: "pixels" uint8 (N, size, size, 3) RGB, resized (shorter side) and centre-cropped as Shoal does.
text inputs: the encoder's input_ids and attention_mask (int64, from the exported tokenizer.json);
token_type_ids, if the encoder takes them, are zeros made inside the graph.
output: "probabilities" float32 (N, n_classes), columns in the order of labels.json."""
from __future__ import annotations

import numpy as np

from desktop_app.core.embedding.own_spec import EncoderSpec
from desktop_app.errors import ShoalError

P = "shoal_"  # prefix of every name Shoal adds


class _Builder:
    """Adds initializers to the graph, and nodes to `pre` (before the encoder's) or `post` (after them)."""

    def __init__(self, graph):
        self.graph, self.n = graph, 0
        self.pre: list = []
        self.post: list = []
        self.target = self.post

    def const(self, value: np.ndarray, name: str) -> str:
        from onnx import numpy_helper

        self.graph.initializer.append(numpy_helper.from_array(np.asarray(value), P + name))
        return P + name

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        from onnx import helper

        self.n += 1
        out = f"{P}{op.lower()}_{self.n}"
        self.target.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def identity(self, src: str, dst: str) -> None:
        from onnx import helper

        self.target.append(helper.make_node("Identity", [src], [dst], name=P + dst))


def _opset(model) -> int:
    return max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)


def compose(spec: EncoderSpec, head_kind: str, arrays: dict[str, np.ndarray]):
    """The composed onnx.ModelProto (raises ShoalError when the encoder's graph cannot take the additions)."""
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(spec.model))
    if _opset(model) < 13:
        raise ShoalError(f"{spec.model.name} uses ONNX opset {_opset(model)}; the export needs opset 13 or newer "
                         "(convert it with onnx.version_converter)")
    g, b = model.graph, _Builder(model.graph)
    inits = {i.name for i in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]
    output = spec.output or g.output[0].name
    if spec.kind == "image":
        name = spec.input or inputs[0].name
        b.target = b.pre
        x = b.node("Cast", ["pixels"], to=TensorProto.FLOAT)
        x = b.node("Div", [x, b.const(np.array(spec.scale, np.float32), "scale")])
        x = b.node("Sub", [x, b.const(np.array(spec.mean, np.float32).reshape(1, 1, 1, 3), "mean")])
        x = b.node("Div", [x, b.const(np.array(spec.std, np.float32).reshape(1, 1, 1, 3), "std")])
        if spec.layout == "NCHW":
            x = b.node("Transpose", [x], perm=[0, 3, 1, 2])
        b.identity(x, name)
        b.target = b.post
        new_inputs = [helper.make_tensor_value_info("pixels", TensorProto.UINT8, ["N", spec.size, spec.size, 3])]
        keep = [i for i in inputs if i.name != name]
        v = output
        if spec.pool == "mean":
            if spec.layout == "NHWC":
                v = b.node("Transpose", [v], perm=[0, 3, 1, 2])
            v = b.node("GlobalAveragePool", [v])
        v = b.node("Flatten", [v], axis=1)
    else:
        names = spec.inputs
        ids = str(names["input_ids"])
        token_types = names.get("token_type_ids")
        mask_name = names.get("attention_mask") or "attention_mask"
        keep = [i for i in inputs if i.name in (ids, mask_name)]
        new_inputs = []
        if names.get("attention_mask") is None:
            new_inputs.append(helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["N", "T"]))
        if token_types:  # zeros of the ids' own type, made before the encoder's nodes
            b.target = b.pre
            b.identity(b.node("Sub", [ids, ids]), token_types)
            b.target = b.post
        hidden = output
        if spec.pool == "none":
            v = b.node("Flatten", [hidden], axis=1)
        elif spec.pool == "cls":
            v = b.node("Gather", [hidden, b.const(np.array(0, np.int64), "first")], axis=1)
        else:
            m = b.node("Cast", [mask_name], to=TensorProto.FLOAT)
            m = b.node("Unsqueeze", [m, b.const(np.array([2], np.int64), "axis2")])
            total = b.node("ReduceSum", [b.node("Mul", [hidden, m]), b.const(np.array([1], np.int64), "axis1")],
                           keepdims=0)
            count = b.node("ReduceSum", [m, P + "axis1"], keepdims=0)
            v = b.node("Div", [total, b.node("Max", [count, b.const(np.array(1e-9, np.float32), "tiny")])])
    # L2 normalisation (a zero vector stays zero, as in core.embedding.base.l2_normalise)
    norm = b.node("Sqrt", [b.node("ReduceSum", [b.node("Mul", [v, v]), b.const(np.array([1], np.int64), "norm_axis")],
                                  keepdims=1)])
    v = b.node("Div", [v, b.node("Max", [norm, b.const(np.array(1e-30, np.float32), "eps")])])
    probs = _head(b, v, head_kind, arrays)
    b.identity(probs, "probabilities")
    n_classes = len(arrays["classes"])
    del g.input[:]
    g.input.extend(keep + new_inputs)
    del g.output[:]
    g.output.append(helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", n_classes]))
    nodes = b.pre + list(g.node) + b.post  # the encoder's own nodes keep their (valid) order
    del g.node[:]
    g.node.extend(nodes)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as e:
        raise ShoalError(f"the composed model does not validate: {str(e).splitlines()[0][:160]}") from None
    return model


def _head(b: _Builder, v: str, kind: str, arrays: dict[str, np.ndarray]) -> str:
    if kind == "logreg":
        layers = [(np.asarray(arrays["coef"], np.float32).T, np.asarray(arrays["intercept"], np.float32))]
    elif kind == "mlp":
        layers = []
        while f"w{len(layers)}" in arrays:
            i = len(layers)
            layers.append((np.asarray(arrays[f"w{i}"], np.float32), np.asarray(arrays[f"b{i}"], np.float32)))
    else:
        raise ShoalError(f"no ONNX form for a {kind!r} head")
    for i, (w, bias) in enumerate(layers):
        v = b.node("Add", [b.node("MatMul", [v, b.const(w, f"w{i}")]), b.const(bias, f"b{i}")])
        if i < len(layers) - 1:
            v = b.node("Relu", [v])
    if layers[-1][0].shape[1] == 1:  # two classes: a logistic output is P(second class)
        p = b.node("Sigmoid", [v])
        return b.node("Concat", [b.node("Sub", [b.const(np.ones((1, 1), np.float32), "one"), p]), p], axis=1)
    return b.node("Softmax", [v], axis=1)

