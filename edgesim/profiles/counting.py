"""Per-layer operation, parameter and activation counts, and a layer list that sums them into a profile.

The formulas are the textbook ones; one op is one multiply or one add, so a multiply-accumulate (MAC) is two
ops. The conventions, stated once and shared by the ONNX importer (:mod:`edgesim.profiles.onnx_import`) and
the architectures described in code (``experiments/build_profiles.py``):

* Convolution and matmul: ops = 2 x MACs, MACs = output elements x (input channels / groups) x kernel
  elements. A bias add is not counted separately (the 2 x MACs already count one add per product).
* Attention: the two activation-by-activation products (Q K^T and A V, 2 x MACs each) plus the softmax
  (one op per score). The Q, K, V and output projections are ordinary matmuls.
* Elementwise and activation operators: one op per output element per ONNX operator (SiLU exported as
  Sigmoid and Mul is two). Pooling: one op per window element per output; global pooling one op per input
  element; resize one op per output element. These are conventions of this project: the published counts
  the catalog cites (torchvision, ultralytics/thop, the Hailo model zoo) count none of them, which is why
  :func:`mac_class_ops` exists to compare against those counts.
* Activation bytes: each layer writes its output once at one byte per element (int8); an activation fused
  into the layer before it (ReLU after a convolution) writes nothing of its own. Weights are not activations.

Classes follow :data:`edgesim.physics.profile.OP_CLASSES`: a grouped convolution (groups > 1, depthwise
included) is ``depthwise``; an ungrouped 1 x 1 convolution is ``pointwise``; any other is ``conv``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from edgesim.physics.profile import OP_CLASSES, ModelProfile, OpClass

__all__ = [
    "ACTIVATION_OPS_PER_ELEMENT",
    "MAC_CLASSES",
    "LayerCount",
    "LayerList",
    "Tensor",
    "attention",
    "concat",
    "conv",
    "conv_class",
    "conv_output_size",
    "elementwise",
    "global_pool",
    "mac_class_ops",
    "matmul",
    "pool",
    "profile_from_layers",
    "resize",
]

MAC_CLASSES: tuple[OpClass, ...] = ("conv", "depthwise", "pointwise", "matmul", "attention")
"""Classes whose ops are 2 x MACs: what published op counts (torchvision, thop, Hailo zoo) count."""

ACTIVATION_OPS_PER_ELEMENT: Mapping[str, int] = {
    "relu": 1,       # ONNX Relu
    "relu6": 1,      # ONNX Clip
    "sigmoid": 1,    # ONNX Sigmoid
    "hardsigmoid": 1,  # ONNX HardSigmoid
    "hardswish": 1,  # ONNX HardSwish (opset >= 14)
    "silu": 2,       # ONNX Sigmoid + Mul (how torch exports SiLU)
}
"""Ops per element of each activation, as the ONNX importer counts its standard export (one per operator)."""


@dataclass(frozen=True)
class LayerCount:
    """What one layer costs in one inference.

    Attributes
    ----------
    name : str
        Layer name (for reading a breakdown).
    op_class : OpClass
        Operator class of the layer's work.
    ops : float
        Operations (one multiply or one add each).
    params : float
        Parameters the layer holds (weights, biases, normalisation scale and shift), a count.
    output_elements : float
        Elements the layer writes to memory (bytes at int8); 0 for a layer fused into the one before it.
    is_compute : bool
        A convolution, matmul or attention product (counted in ``ModelProfile.n_layers``).
    """

    name: str
    op_class: OpClass
    ops: float
    params: float = 0.0
    output_elements: float = 0.0
    is_compute: bool = False


def conv_output_size(size_px: int, kernel: int, stride: int = 1, padding: int | None = None, dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis (PyTorch's formula).

    Parameters
    ----------
    size_px : int
        Input length in pixels.
    kernel, stride, dilation : int
        Kernel length, stride and dilation.
    padding : int, optional
        Padding on each side; default ``dilation x (kernel - 1) // 2`` ("same" for stride 1).
    """
    pad = dilation * (kernel - 1) // 2 if padding is None else padding
    return (size_px + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def conv_class(in_channels: int, kernel_elements: int, groups: int) -> OpClass:
    """Operator class of a convolution: grouped (depthwise included) -> depthwise, 1 x 1 -> pointwise, else conv."""
    if groups > 1:
        return "depthwise"
    return "pointwise" if kernel_elements == 1 else "conv"


def conv(name: str, in_channels: int, out_channels: int, kernel_shape: Sequence[int], output_positions: float,
         groups: int = 1, bias: bool = False, norm: bool = False) -> LayerCount:
    """A convolution of any rank: ``output_positions`` x ``out_channels`` outputs.

    Parameters
    ----------
    name : str
        Layer name.
    in_channels, out_channels : int
        Channels in and out (each divisible by ``groups``).
    kernel_shape : sequence of int
        Kernel extent per spatial axis (``(3, 3)``).
    output_positions : float
        Spatial output positions (``out_h x out_w``), times the batch.
    groups : int
        Channel groups (``in_channels`` for depthwise).
    bias : bool
        The layer has a bias (``out_channels`` parameters).
    norm : bool
        A batch normalisation follows, folded at inference; its scale and shift count as 2 x ``out_channels``
        parameters (what ``torch.nn.Module.parameters()`` counts), no ops.

    Returns
    -------
    LayerCount
        ops = 2 x output_positions x out_channels x (in_channels / groups) x kernel elements.
    """
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"{name}: channels {in_channels} -> {out_channels} are not divisible by groups={groups}")
    k = math.prod(kernel_shape)
    weights = out_channels * (in_channels // groups) * k
    macs = output_positions * weights
    params = weights + (out_channels if bias else 0) + (2 * out_channels if norm else 0)
    return LayerCount(name, conv_class(in_channels, k, groups), 2.0 * macs, float(params),
                      float(output_positions * out_channels), is_compute=True)


def matmul(name: str, rows: float, inner: int, cols: int, bias: bool = False, weights: bool = True) -> LayerCount:
    """A matrix product (fully connected layer, Gemm, MatMul): ``rows x inner`` times ``inner x cols``.

    Parameters
    ----------
    name : str
        Layer name.
    rows : float
        Rows of the left operand (tokens, or the batch), times any broadcast batch dimensions.
    inner, cols : int
        Shared dimension and output columns.
    bias : bool
        A bias of ``cols`` parameters.
    weights : bool
        The right operand is a weight (``inner x cols`` parameters); False for a product of two activations.
    """
    params = (inner * cols if weights else 0) + (cols if bias else 0)
    return LayerCount(name, "matmul", 2.0 * rows * inner * cols, float(params), float(rows * cols), is_compute=True)


def attention(name: str, tokens: int, dim: int, heads: int, kv_tokens: int | None = None) -> LayerCount:
    """Scaled dot-product attention core: Q K^T, softmax, and A V (projections excluded).

    Parameters
    ----------
    name : str
        Layer name.
    tokens : int
        Query length.
    dim : int
        Model width (heads x head width).
    heads : int
        Attention heads (``dim`` divisible by ``heads``).
    kv_tokens : int, optional
        Key/value length; default ``tokens`` (self-attention).

    Returns
    -------
    LayerCount
        ops = 2 x (2 x tokens x kv_tokens x dim) + heads x tokens x kv_tokens (softmax, one op per score).
    """
    if dim % heads:
        raise ValueError(f"{name}: dim {dim} is not divisible by heads {heads}")
    kv = tokens if kv_tokens is None else kv_tokens
    products_macs = 2.0 * tokens * kv * dim        # Q K^T and A V, summed over heads
    softmax_ops = float(heads * tokens * kv)
    return LayerCount(name, "attention", 2.0 * products_macs + softmax_ops, 0.0, float(tokens * dim), is_compute=True)


def elementwise(name: str, elements: float, ops_per_element: float = 1.0, writes: bool = True) -> LayerCount:
    """An elementwise or activation operator over ``elements`` outputs; ``writes=False`` when fused."""
    return LayerCount(name, "elementwise", float(elements * ops_per_element), 0.0, float(elements) if writes else 0.0)


def pool(name: str, channels: int, out_h: int, out_w: int, kernel_h: int, kernel_w: int) -> LayerCount:
    """Max or average pooling: one op per window element per output."""
    out = float(channels * out_h * out_w)
    return LayerCount(name, "pool_resize", out * kernel_h * kernel_w, 0.0, out)


def global_pool(name: str, channels: int, in_h: int, in_w: int) -> LayerCount:
    """Global average (or max) pooling: one op per input element; writes ``channels`` values."""
    return LayerCount(name, "pool_resize", float(channels * in_h * in_w), 0.0, float(channels))


def resize(name: str, output_elements: float) -> LayerCount:
    """Resize / upsample: one op per output element."""
    return LayerCount(name, "pool_resize", float(output_elements), 0.0, float(output_elements))


def mac_class_ops(ops_by_class: Mapping[OpClass, float]) -> float:
    """Ops of the 2 x MAC classes only: the quantity published op counts report."""
    return float(sum(ops_by_class.get(c, 0.0) for c in MAC_CLASSES))


def profile_from_layers(name: str, layers: Iterable[LayerCount], ref_width_px: int, ref_height_px: int, source: str,
                        pixel_scaled: bool = True, extra: Mapping[str, str] | None = None) -> ModelProfile:
    """Sum layer counts into a :class:`ModelProfile` (every class present, 0 where unused).

    Parameters
    ----------
    name : str
        Model name.
    layers : iterable of LayerCount
        The layers of one inference at the reference input.
    ref_width_px, ref_height_px : int
        The reference input the layers were counted at, pixels.
    source : str
        Where the architecture came from.
    pixel_scaled : bool
        Counts scale with the input's pixel count (False for token or audio inputs).
    extra : mapping, optional
        Free-form notes carried in ``ModelProfile.extra``.
    """
    ops: dict[OpClass, float] = dict.fromkeys(OP_CLASSES, 0.0)
    params = act = max_act = 0.0
    n_layers = 0
    for layer in layers:
        ops[layer.op_class] += layer.ops
        params += layer.params
        act += layer.output_elements
        max_act = max(max_act, layer.output_elements)
        n_layers += int(layer.is_compute)
    return ModelProfile(name=name, ref_width_px=ref_width_px, ref_height_px=ref_height_px, ops_by_class=ops,
                        params=params, activation_bytes_int8=act, max_layer_activation_bytes_int8=max_act,
                        n_layers=n_layers, source=source, pixel_scaled=pixel_scaled, extra=dict(extra or {}))


@dataclass(frozen=True)
class Tensor:
    """A feature map in a :class:`LayerList`: channels x height x width (batch 1)."""

    channels: int
    height_px: int
    width_px: int

    @property
    def elements(self) -> int:
        return self.channels * self.height_px * self.width_px


def concat(*tensors: Tensor) -> Tensor:
    """Channel concatenation: a view (producers write into one buffer), no layer and no ops."""
    first = tensors[0]
    if any((t.height_px, t.width_px) != (first.height_px, first.width_px) for t in tensors):
        raise ValueError(f"concat of different spatial sizes: {tensors}")
    return Tensor(sum(t.channels for t in tensors), first.height_px, first.width_px)


@dataclass
class LayerList:
    """A tiny builder for architectures described in code: each call appends layers and returns the output shape.

    Convolutions are followed by a folded batch normalisation (``norm``) and a fused activation (``act``,
    a key of :data:`ACTIVATION_OPS_PER_ELEMENT`, or None): the activation's ops are counted, its output is
    not written again. Spatial sizes follow PyTorch's padding ``dilation x (k - 1) // 2`` unless given.

    Examples
    --------
    >>> net = LayerList()
    >>> x = net.conv(Tensor(3, 224, 224), 64, 7, stride=2, act="relu")
    >>> (x.channels, x.height_px, x.width_px)
    (64, 112, 112)
    """

    layers: list[LayerCount] = field(default_factory=list)

    def _name(self, name: str | None, kind: str) -> str:
        return name or f"{kind}{len(self.layers)}"

    def conv(self, x: Tensor, out_channels: int, kernel: int, stride: int = 1, groups: int = 1, dilation: int = 1,
             padding: int | None = None, bias: bool = False, norm: bool = True, act: str | None = None,
             name: str | None = None) -> Tensor:
        """A square ``kernel`` convolution of ``x`` (``groups=x.channels`` for depthwise)."""
        oh = conv_output_size(x.height_px, kernel, stride, padding, dilation)
        ow = conv_output_size(x.width_px, kernel, stride, padding, dilation)
        name = self._name(name, "conv")
        self.layers.append(conv(name, x.channels, out_channels, (kernel, kernel), oh * ow, groups, bias, norm))
        y = Tensor(out_channels, oh, ow)
        if act is not None:
            self.layers.append(elementwise(f"{name}.{act}", y.elements, ACTIVATION_OPS_PER_ELEMENT[act], writes=False))
        return y

    def conv_transpose(self, x: Tensor, out_channels: int, kernel: int, stride: int, bias: bool = False,
                       norm: bool = True, act: str | None = None, name: str | None = None) -> Tensor:
        """A transposed convolution (upsampling by ``stride``): MACs = input positions x in x out x kernel^2."""
        name = self._name(name, "deconv")
        y = Tensor(out_channels, x.height_px * stride, x.width_px * stride)
        layer = conv(name, x.channels, out_channels, (kernel, kernel), x.height_px * x.width_px, 1, bias, norm)
        self.layers.append(LayerCount(name, "conv", layer.ops, layer.params, float(y.elements), is_compute=True))
        if act is not None:
            self.layers.append(elementwise(f"{name}.{act}", y.elements, ACTIVATION_OPS_PER_ELEMENT[act], writes=False))
        return y

    def linear(self, x: Tensor, out_features: int, bias: bool = True, name: str | None = None) -> Tensor:
        """A fully connected layer on the flattened ``x``."""
        self.layers.append(matmul(self._name(name, "fc"), 1, x.elements, out_features, bias))
        return Tensor(out_features, 1, 1)

    def add(self, x: Tensor, act: str | None = None, name: str | None = None) -> Tensor:
        """A residual (or any two-input elementwise) add producing ``x``'s shape; ``act`` is fused into it."""
        name = self._name(name, "add")
        self.layers.append(elementwise(name, x.elements))
        if act is not None:
            self.layers.append(elementwise(f"{name}.{act}", x.elements, ACTIVATION_OPS_PER_ELEMENT[act], writes=False))
        return x

    def mul(self, x: Tensor, name: str | None = None) -> Tensor:
        """An elementwise product producing ``x``'s shape (e.g. squeeze-excitation scaling)."""
        self.layers.append(elementwise(self._name(name, "mul"), x.elements))
        return x

    def pool(self, x: Tensor, kernel: int, stride: int, padding: int | None = None, name: str | None = None) -> Tensor:
        """Max or average pooling."""
        pad = (kernel - 1) // 2 if padding is None else padding
        oh = conv_output_size(x.height_px, kernel, stride, pad)
        ow = conv_output_size(x.width_px, kernel, stride, pad)
        self.layers.append(pool(self._name(name, "pool"), x.channels, oh, ow, kernel, kernel))
        return Tensor(x.channels, oh, ow)

    def global_pool(self, x: Tensor, name: str | None = None) -> Tensor:
        """Global average pooling to ``x.channels`` x 1 x 1."""
        self.layers.append(global_pool(self._name(name, "gap"), x.channels, x.height_px, x.width_px))
        return Tensor(x.channels, 1, 1)

    def upsample(self, x: Tensor, height_px: int, width_px: int, name: str | None = None) -> Tensor:
        """Resize ``x`` to ``height_px`` x ``width_px``."""
        y = Tensor(x.channels, height_px, width_px)
        self.layers.append(resize(self._name(name, "resize"), y.elements))
        return y

    def profile(self, name: str, ref_width_px: int, ref_height_px: int, source: str,
                extra: Mapping[str, str] | None = None) -> ModelProfile:
        """The :class:`ModelProfile` of every layer appended so far."""
        return profile_from_layers(name, self.layers, ref_width_px, ref_height_px, source, extra=extra)
