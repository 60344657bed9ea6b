"""Build a :class:`ModelProfile` from an ONNX graph: ops by operator class, parameters and activation bytes.

Needs the optional ``onnx`` package (``pip install 'edgesim[onnx]'``). Tensor sizes come from
``onnx.shape_inference``; the counting conventions are :mod:`edgesim.profiles.counting`'s:

* ``Conv`` / ``ConvTranspose``: grouped (depthwise included) -> ``depthwise``, 1 x 1 -> ``pointwise``, else
  ``conv``; ops = 2 x MACs.
* ``Gemm`` and ``MatMul`` with a weight operand -> ``matmul``; ``MatMul`` of two activations (Q K^T, A V)
  -> ``attention``, as is a ``Softmax`` fed (within a few elementwise steps) by such a product.
* ``Add``, ``Mul``, ``Relu``, ``Sigmoid``, ``Softmax``, normalisations ... -> ``elementwise``, one op per
  output element; ``MaxPool`` / ``AveragePool`` (one op per window element per output), ``GlobalAveragePool``
  (one per input element), ``Resize`` / ``Upsample`` (one per output element) -> ``pool_resize``.
* Shape and data-movement operators (``Reshape``, ``Concat``, ``Transpose``, ``QuantizeLinear`` ...) cost no
  ops and write nothing of their own; any other operator type is listed in ``extra["uncounted_ops"]``.
* Parameters: elements of the constant floating-point and 8-bit tensors an operator reads as an operand
  (weights, biases, normalisation statistics: initializers, Constant / ConstantOfShape outputs, dequantised
  weights); shape operands (Reshape's shape, Resize's scales) and integer constants are not parameters.
* Activations: an elementwise operator whose activation inputs all come from one layer is fused into that
  layer (ReLU, SiLU's Sigmoid and Mul after a convolution); a layer's output is written once if anything
  outside its fused group reads it, or it is a graph output.

Counts are per inference: a fixed batch dimension N divides them by N. The reference input is the first
graph input of rank 4 (NCHW, or NHWC when the last axis is 1, 3 or 4 and the second is larger); a model
without one is not pixel-scaled.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgesim.errors import EdgesimError
from edgesim.physics.profile import OP_CLASSES, ModelProfile, OpClass
from edgesim.profiles import counting
from edgesim.textfile import MAX_ONNX_BYTES

__all__ = ["COUNTING_CONVENTION", "OnnxImportError", "catalog_entry", "profile_from_onnx"]

COUNTING_CONVENTION = (
    "edgesim.profiles.onnx_import: Conv / ConvTranspose / Gemm / MatMul ops = 2 x MACs (grouped -> depthwise, 1 x 1 -> "
    "pointwise, else conv; a MatMul of two activations -> attention); elementwise, activation and normalisation "
    "operators one op per output element, pooling one per window element per output, global pooling one per input "
    "element, resize one per output element (this project's convention, counted by no published source); shape and "
    "data-movement operators (Reshape, Concat, Transpose, QuantizeLinear ...) 0 ops; any other operator type is not "
    "counted (listed in the sources)"
)
"""How :func:`profile_from_onnx` counts, as a catalog entry's ``counting_convention`` states it."""

_DATA_MOVEMENT = frozenset({
    "Reshape", "Transpose", "Concat", "Split", "Slice", "Flatten", "Squeeze", "Unsqueeze", "Gather", "GatherElements",
    "Shape", "Size", "Constant", "ConstantOfShape", "Identity", "Cast", "CastLike", "Pad", "Expand", "Tile", "Range",
    "DepthToSpace", "SpaceToDepth", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "Dropout",
    "NonZero", "TopK", "ScatterND", "ScatterElements", "ReduceMax", "ArgMax", "ArgMin", "NonMaxSuppression", "Einsum",
})
_ELEMENTWISE = frozenset({
    "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Reciprocal", "Exp", "Log", "Neg", "Abs", "Max", "Min", "Sum", "Mean",
    "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu", "Erf", "Tanh", "Sigmoid", "HardSigmoid", "HardSwish",
    "Softplus", "Softsign", "Mish", "Clip", "Floor", "Ceil", "Round", "Sign", "Where", "Equal", "Less", "Greater",
    "Not", "And", "Or", "Softmax", "LogSoftmax", "BatchNormalization", "InstanceNormalization",
    "LayerNormalization", "GroupNormalization", "LpNormalization", "ReduceSum", "ReduceL2",
})
_POOL = frozenset({"MaxPool", "AveragePool", "LpPool"})
_GLOBAL_POOL = frozenset({"GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "ReduceMean"})
_RESIZE = frozenset({"Resize", "Upsample"})
_PARAM_DTYPES = frozenset({1, 2, 3, 10, 11, 16})  # FLOAT, UINT8, INT8, FLOAT16, DOUBLE, BFLOAT16
_TRANSPARENT = -1  # node_group value of data-movement nodes: readers look through them
_SOFTMAX_LOOKBACK = 4  # elementwise steps (scale, mask) allowed between an attention product and its softmax


class OnnxImportError(EdgesimError):
    """The file is missing, is not an ONNX model, or its tensor sizes cannot be inferred."""


@dataclass
class _Node:
    """One counted node: its class, ops, and the tensors it writes."""

    op_class: OpClass
    ops: float
    is_compute: bool


def _load(path_or_model: Any) -> tuple[Any, str]:
    try:
        import onnx  # noqa: PLC0415 optional dependency (edgesim[onnx])
    except ModuleNotFoundError:
        raise OnnxImportError("the onnx package is not installed: pip install 'edgesim[onnx]'") from None
    if isinstance(path_or_model, (str, Path)):
        label = str(path_or_model)
        path = Path(path_or_model)
        if path.is_dir():
            raise OnnxImportError(f"{label}: is a directory, not an ONNX file")
        if not path.is_file():
            raise OnnxImportError(f"{label}: no such file")
        try:
            size_bytes = path.stat().st_size
        except OSError as exc:
            raise OnnxImportError(f"{label}: cannot read ({exc.strerror or exc})") from None
        if size_bytes == 0:
            raise OnnxImportError(f"{label}: empty file, not an ONNX model")
        if size_bytes > MAX_ONNX_BYTES:
            raise OnnxImportError(f"{label}: {size_bytes / 2**30:.3g} GiB is over the {MAX_ONNX_BYTES / 2**30:g} GiB cap "
                                  "on an ONNX file (edgesim.textfile.MAX_ONNX_BYTES, protobuf's limit)")
        try:
            model = onnx.load(str(path))
        except Exception as exc:  # protobuf raises DecodeError and friends: any failure means "not ONNX"
            raise OnnxImportError(f"{label}: not an ONNX model, or a truncated one ({type(exc).__name__})") from None
        if not model.graph.node:
            raise OnnxImportError(f"{label}: not an ONNX model (no graph nodes)")
        return model, label
    if isinstance(path_or_model, onnx.ModelProto):
        return path_or_model, path_or_model.graph.name or "<onnx model>"
    raise OnnxImportError(f"{path_or_model!r}: expected a file path or an onnx.ModelProto")


def _fix_symbolic_batch(model: Any) -> Any:
    """A copy of ``model`` whose symbolic leading (batch) input dimensions are 1."""
    import onnx  # noqa: PLC0415 optional dependency (edgesim[onnx])

    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    init = {t.name for t in fixed.graph.initializer}
    for inp in fixed.graph.input:
        if inp.name in init or not inp.type.HasField("tensor_type"):
            continue
        dims = inp.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].dim_value = 1
    return fixed


def _shapes(model: Any, label: str) -> tuple[dict[str, tuple[int, ...]], dict[str, int]]:
    """Every tensor whose shape is fully known after shape inference, and every tensor's element type, by name."""
    import onnx  # noqa: PLC0415 optional dependency (edgesim[onnx])

    try:
        inferred = onnx.shape_inference.infer_shapes(_fix_symbolic_batch(model), data_prop=True)
    except Exception as exc:  # onnx raises InferenceError / ValidationError subclasses of Exception
        raise OnnxImportError(f"{label}: shape inference failed ({exc})") from None
    shapes: dict[str, tuple[int, ...]] = {}
    dtypes: dict[str, int] = {}
    g = inferred.graph
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        if not vi.type.HasField("tensor_type") or not vi.type.tensor_type.HasField("shape"):
            continue
        dtypes[vi.name] = int(vi.type.tensor_type.elem_type)
        dims = vi.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[vi.name] = tuple(int(d.dim_value) for d in dims)
    for t in g.initializer:
        shapes[t.name] = tuple(int(d) for d in t.dims)
        dtypes[t.name] = int(t.data_type)
    return shapes, dtypes


def _attr(node: Any, name: str, default: Any) -> Any:
    import onnx  # noqa: PLC0415 optional dependency (edgesim[onnx])

    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def _reference_input(model: Any, shapes: Mapping[str, tuple[int, ...]]) -> tuple[int, int, int, bool]:
    """(width_px, height_px, batch, pixel_scaled) of the first rank-4 graph input."""
    init = {t.name for t in model.graph.initializer}
    for inp in model.graph.input:
        shape = shapes.get(inp.name)
        if inp.name in init or shape is None:
            continue
        if len(shape) == 4:
            n, a, b, c = shape
            if c in (1, 3, 4) and a > 4:  # NHWC
                return b, a, max(n, 1), True
            return c, b, max(n, 1), True
        batch = shape[0] if shape else 1
        return 1, 1, max(batch, 1), False
    return 1, 1, 1, False


def _count(node: Any, shapes: Mapping[str, tuple[int, ...]], constant: set[str], attention_products: set[str],
           producer: Mapping[str, Any]) -> _Node | None:
    """The class and ops of one node; None for an operator type this importer does not count."""
    op = node.op_type
    out = shapes.get(node.output[0]) if node.output else None
    out_elems = float(math.prod(out)) if out is not None else None

    def need(shape: tuple[int, ...] | None, what: str) -> tuple[int, ...]:
        if shape is None:
            raise OnnxImportError(f"node {node.name or op} ({op}): the shape of its {what} is unknown after shape inference")
        return shape

    if op in ("Conv", "ConvTranspose"):
        w = need(shapes.get(node.input[1]), "weight")
        groups = int(_attr(node, "group", 1))
        k = math.prod(w[2:])
        if op == "Conv":
            y = need(out, "output")
            layer = counting.conv(node.name, w[1] * groups, w[0], w[2:], y[0] * math.prod(y[2:]), groups)
            return _Node(layer.op_class, layer.ops, True)
        x = need(shapes.get(node.input[0]), "input")
        macs = x[0] * math.prod(x[2:]) * x[1] * w[1] * k  # every input element meets (out / groups) x k weights
        return _Node(counting.conv_class(x[1], k, groups), 2.0 * macs, True)
    if op == "Gemm":
        a = need(shapes.get(node.input[0]), "A input")
        b = need(shapes.get(node.input[1]), "B input")
        inner = a[0] if _attr(node, "transA", 0) else a[1]
        cols = b[0] if _attr(node, "transB", 0) else b[1]
        rows = a[1] if _attr(node, "transA", 0) else a[0]
        return _Node("matmul", 2.0 * rows * inner * cols, True)
    if op == "MatMul":
        a = need(shapes.get(node.input[0]), "A input")
        y = need(out, "output")
        inner = a[-1]
        is_attention = node.input[0] not in constant and node.input[1] not in constant
        return _Node("attention" if is_attention else "matmul", 2.0 * math.prod(y) * inner, True)
    if op in ("Softmax", "LogSoftmax") and _fed_by_attention(node, attention_products, producer):
        return _Node("attention", out_elems or 0.0, False)
    if op in _ELEMENTWISE:
        return _Node("elementwise", out_elems or 0.0, False)
    if op in _POOL:
        kernel = _attr(node, "kernel_shape", [1])
        return _Node("pool_resize", need(out_elems, "output") * math.prod(kernel), False)  # type: ignore[arg-type]
    if op in _GLOBAL_POOL:
        x = need(shapes.get(node.input[0]), "input")
        return _Node("pool_resize", float(math.prod(x)), False)
    if op in _RESIZE:
        return _Node("pool_resize", need(out_elems, "output"), False)  # type: ignore[arg-type]
    return None


def _fed_by_attention(node: Any, attention_products: set[str], producer: Mapping[str, Any]) -> bool:
    """Whether an attention product's output reaches ``node`` within a few elementwise steps."""
    frontier, steps = list(node.input[:1]), 0
    while frontier and steps <= _SOFTMAX_LOOKBACK:
        nxt = []
        for name in frontier:
            if name in attention_products:
                return True
            p = producer.get(name)
            if p is not None and (p.op_type in _ELEMENTWISE or p.op_type in _DATA_MOVEMENT):
                nxt.extend(p.input)
        frontier, steps = nxt, steps + 1
    return False


def _count_params(graph: Any, constant: set[str], shapes: Mapping[str, tuple[int, ...]], dtypes: Mapping[str, int]) -> float:
    """Elements of the constant floating-point and 8-bit tensors an operator reads as an operand: initializers,
    Constant / ConstantOfShape outputs, dequantised weights. Counted where used (each tensor once); operands of
    shape and data-movement operators (Reshape's shape, Resize's scales, the int8 input of a DequantizeLinear
    counted through its output) are not parameters."""
    used: set[str] = set()
    for node in graph.node:
        if node.op_type in _DATA_MOVEMENT or node.op_type in _RESIZE:
            continue
        used.update(i for i in node.input if i in constant and dtypes.get(i) in _PARAM_DTYPES and i in shapes)
    return float(sum(math.prod(shapes[t]) for t in used))


def profile_from_onnx(path_or_model: str | Path | Any, name: str | None = None) -> ModelProfile:
    """Count an ONNX model's operations by operator class, its parameters and activation bytes.

    Parameters
    ----------
    path_or_model : str, Path or onnx.ModelProto
        An ``.onnx`` file or a loaded model. A symbolic batch dimension is taken as 1; other dimensions of
        the inputs must be fixed.
    name : str, optional
        Profile name; default the file's stem (or the graph's name).

    Returns
    -------
    ModelProfile
        Counts per inference at the model's input size (``ref_width_px`` x ``ref_height_px``).

    Raises
    ------
    OnnxImportError
        Missing file, not an ONNX model, onnx not installed, or a counted node whose sizes cannot be inferred.
    """
    model, label = _load(path_or_model)
    shapes, dtypes = _shapes(model, label)
    graph = model.graph
    width, height, batch, pixel_scaled = _reference_input(model, shapes)

    constant: set[str] = {t.name for t in graph.initializer}
    producer: dict[str, Any] = {}
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for o in node.output:
            producer[o] = node
        for i in node.input:
            consumers.setdefault(i, []).append(node)

    ops: dict[OpClass, float] = {}
    n_layers = 0
    uncounted: dict[str, int] = {}
    group_of: dict[str, int] = {}        # tensor -> fused group id (activations only)
    node_group: dict[int, int] = {}      # id(node) -> group
    written_candidates: list[str] = []   # outputs of counted nodes
    attention_products: set[str] = set()
    graph_outputs = {o.name for o in graph.output}

    for node in graph.node:
        active_inputs = [i for i in node.input if i and i not in constant]
        if node.op_type == "Constant" or (node.op_type in _DATA_MOVEMENT | _ELEMENTWISE and not active_inputs):
            constant.update(node.output)  # computed from constants only (shape arithmetic, dequantised weights)
            continue
        counted = _count(node, shapes, constant, attention_products, producer)
        if node.op_type in _DATA_MOVEMENT:
            groups = {group_of.get(i) for i in active_inputs}
            view_of = groups.pop() if len(groups) == 1 else None
            for o in node.output:
                group_of[o] = view_of if view_of is not None else id(node)
            node_group[id(node)] = _TRANSPARENT
            continue
        if counted is None:
            uncounted[node.op_type] = uncounted.get(node.op_type, 0) + 1
            gid = id(node)
        else:
            ops[counted.op_class] = ops.get(counted.op_class, 0.0) + counted.ops
            n_layers += int(counted.is_compute)
            if counted.op_class == "attention" and counted.is_compute:
                attention_products.update(node.output)
            in_groups = {group_of.get(i) for i in active_inputs}
            fused_into = in_groups.pop() if node.op_type in _ELEMENTWISE and len(in_groups) == 1 else None
            gid = fused_into if fused_into is not None else id(node)
            written_candidates.extend(node.output)
        node_group[id(node)] = gid
        for o in node.output:
            group_of[o] = gid

    params = _count_params(graph, constant, shapes, dtypes)

    def effective_consumers(tensor: str, seen: set[str]) -> list[Any]:
        result: list[Any] = []
        for c in consumers.get(tensor, []):
            if node_group.get(id(c)) == _TRANSPARENT:
                for o in c.output:
                    if o in graph_outputs:
                        result.append(None)
                    if o not in seen:
                        seen.add(o)
                        result.extend(effective_consumers(o, seen))
            else:
                result.append(c)
        return result

    activation = max_activation = 0.0
    for tensor in written_candidates:
        shape = shapes.get(tensor)
        if shape is None:
            continue
        readers = effective_consumers(tensor, {tensor})
        outside = tensor in graph_outputs or any(r is None or node_group.get(id(r)) != group_of[tensor] for r in readers)
        if outside:
            elements = float(math.prod(shape)) / batch
            activation += elements
            max_activation = max(max_activation, elements)

    extra = {"generated_by": "edgesim.profiles.onnx_import.profile_from_onnx", "batch": str(batch)}
    if uncounted:
        extra["uncounted_ops"] = ", ".join(f"{k} x{v}" for k, v in sorted(uncounted.items()))
    stem = Path(label).stem if isinstance(path_or_model, (str, Path)) else label
    return ModelProfile(name=name or stem, ref_width_px=width, ref_height_px=height,
                        ops_by_class={c: ops.get(c, 0.0) / batch for c in OP_CLASSES}, params=params,
                        activation_bytes_int8=activation, max_layer_activation_bytes_int8=max_activation, n_layers=n_layers,
                        source=f"ONNX graph {label}", pixel_scaled=pixel_scaled, extra=extra)


def catalog_entry(profile: ModelProfile, onnx_label: str, sha256: str | None = None) -> dict[str, Any]:
    """A catalog file's model entry (``models: {NAME: <this>}``) for a profile counted by :func:`profile_from_onnx`.

    Every number names its source: the ONNX file (``onnx_label``, with its SHA-256 where given) and what this
    module counts and does not (operator types it does not count are listed in ``sources.ops_per_inference``).
    The entry reads back with :func:`edgesim.catalog.load_catalog`; a scenario's ``catalog: NAME`` then runs the
    model with its operator-class profile.

    Parameters
    ----------
    profile : ModelProfile
        The counted profile (ops per inference at ``ref_width_px`` x ``ref_height_px``).
    onnx_label : str
        The ONNX file as the user named it.
    sha256 : str, optional
        Hex SHA-256 of the file's bytes.

    Raises
    ------
    OnnxImportError
        When the graph has no counted operations (a catalog model needs ``ops_per_inference`` > 0).
    """
    uncounted = profile.extra.get("uncounted_ops", "")
    ops = {c: float(profile.ops_by_class.get(c, 0.0)) for c in OP_CLASSES}
    total = math.fsum(ops.values())
    if not total > 0:
        raise OnnxImportError(f"{onnx_label}: no counted operations, nothing to write as a catalog model"
                              + (f" (not counted: {uncounted})" if uncounted else ""))
    graph = f"ONNX graph {onnx_label}"
    identified = graph + (f" (sha256 {sha256})" if sha256 else "")
    by = f"counted from {graph} by edgesim.profiles.onnx_import.profile_from_onnx"
    batch = profile.extra.get("batch", "1")
    per = f"per inference (graph batch {batch}: counts divided by it)" if batch != "1" else "per inference (batch 1)"
    not_counted = f"; not counted (unknown operator types): {uncounted}" if uncounted else "; every operator type counted"
    if profile.pixel_scaled:
        ref = f"{graph}: the first rank-4 graph input ({profile.ref_width_px} x {profile.ref_height_px} px, NCHW or NHWC)"
    else:
        ref = f"{graph}: no rank-4 image input, so 1 x 1 and the counts do not scale with pixels (profile.pixel_scaled false)"
    params = int(round(profile.params))
    entry: dict[str, Any] = {
        "description": f"imported from {identified} by edgesim model import",
        "ops_per_inference": total,
        "ref_width_px": int(profile.ref_width_px),
        "ref_height_px": int(profile.ref_height_px),
    }
    sources = {
        "ops_per_inference": f"{by}: the sum of profile.ops_by_class, {per}{not_counted}",
        "ref_width_px": ref,
        "ref_height_px": ref,
    }
    if params > 0:
        entry["params"] = params
        entry["weight_bytes"] = {"fp32": 4.0 * params, "fp16": 2.0 * params, "int8": float(params)}
        sources["params"] = (f"{by}: elements of the constant floating-point and 8-bit tensors operators read as "
                             "operands (initializers, Constant outputs, dequantised weights); shape operands and "
                             "integer constants are not parameters")
        sources["weight_bytes"] = "derived: params x 4 / 2 / 1 bytes (fp32 / fp16 / int8), the catalog's convention"
    entry["counting_convention"] = COUNTING_CONVENTION
    entry["profile"] = {
        "ops_by_class": ops,
        "params": float(profile.params),
        "activation_bytes_int8": float(profile.activation_bytes_int8),
        "max_layer_activation_bytes_int8": float(profile.max_layer_activation_bytes_int8),
        "n_layers": int(profile.n_layers),
        "pixel_scaled": bool(profile.pixel_scaled),
        "source": identified + ", counted by edgesim.profiles.onnx_import",
    }
    sources["profile.ops_by_class"] = f"{by}, {per}: ops by operator class as counting_convention says{not_counted}"
    sources["profile.params"] = f"{by}: as 'params' (0: the graph has no constant weight tensors)"
    sources["profile.activation_bytes_int8"] = (f"{by}: every layer output read outside its fused group (an elementwise "
                                                "operator fed by one layer is fused into it) or a graph output, one byte "
                                                "per element, " + per)
    sources["profile.max_layer_activation_bytes_int8"] = f"{by}: the largest of the outputs activation_bytes_int8 sums"
    sources["profile.n_layers"] = f"{by}: the Conv, ConvTranspose, Gemm and MatMul nodes"
    entry["sources"] = sources
    return entry
