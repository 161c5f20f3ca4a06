"""Float32 cases: convolutions, fully connected, elementwise, pooling, shapes, reductions, fp16 weights."""
from __future__ import annotations

from . import NONE, RELU, RELU6, RELU_N1_TO_1, SAME, TANH, VALID, case
from .graph import Graph


def conv_case(name, in_shape, k_hw, cout, padding=SAME, stride=(1, 1), dil=(1, 1), act=NONE, bias=True, **kw):
    """bias=False: a 2-input conv (the official runtime refuses it), checked against the same conv with zero bias."""
    if bias is False:
        kw.update(expect="match_or_error", ref_builder=lambda g: build_with(g, "zeros"))

    def build_with(g, bias):
        x = g.input(in_shape)
        w_shape = (cout, k_hw[0], k_hw[1], in_shape[3])
        w = g.weights(w_shape)
        b = g.weights((cout,)) if bias is True else -1
        oh = _out_dim(in_shape[1], k_hw[0], stride[0], dil[0], padding)
        ow = _out_dim(in_shape[2], k_hw[1], stride[1], dil[1], padding)
        y = g.tensor((in_shape[0], oh, ow, cout))
        if bias == "zeros":
            b = g.const(g.np.zeros((cout,), g.np.float32))
        g.op("CONV_2D", [x, w, b] if bias else [x, w], [y], ("Conv2DOptions", dict(
            padding=padding, strideH=stride[0], strideW=stride[1], dilationHFactor=dil[0],
            dilationWFactor=dil[1], fusedActivationFunction=act)))
        g.output(y)

    case(name, **kw)(lambda g: build_with(g, bias))


def _out_dim(n, k, s, d, padding):
    ek = (k - 1) * d + 1
    return (n + s - 1) // s if padding == SAME else (n - ek + s) // s


conv_case("conv_same_s1", (1, 8, 8, 3), (3, 3), 4)
conv_case("conv_valid_s1", (1, 8, 8, 3), (3, 3), 4, padding=VALID)
conv_case("conv_same_s2_even", (1, 8, 8, 3), (3, 3), 5, stride=(2, 2))
conv_case("conv_same_s2_odd", (1, 9, 9, 3), (3, 3), 5, stride=(2, 2))
conv_case("conv_valid_s2", (1, 9, 9, 3), (3, 3), 4, padding=VALID, stride=(2, 2))
conv_case("conv_same_dil2", (1, 9, 9, 2), (3, 3), 4, dil=(2, 2))
conv_case("conv_valid_dil2", (1, 9, 9, 2), (3, 3), 4, padding=VALID, dil=(2, 2))
conv_case("conv_relu", (1, 6, 6, 3), (3, 3), 4, act=RELU)
conv_case("conv_relu6", (1, 6, 6, 3), (3, 3), 4, act=RELU6, scale=4.0)
conv_case("conv_relu_n1_to_1", (1, 6, 6, 3), (3, 3), 4, act=RELU_N1_TO_1)
# The official kernels accept a fused TANH (and SIGN_BIT) on CONV_2D / DEPTHWISE_CONV_2D / pools / ADD and apply no
# activation; FULLY_CONNECTED refuses them.
conv_case("conv_tanh_ignored", (1, 6, 6, 3), (3, 3), 4, act=TANH)
conv_case("conv_1x1", (1, 5, 5, 8), (1, 1), 6)
conv_case("conv_1x1_s2", (1, 6, 6, 8), (1, 1), 6, padding=VALID, stride=(2, 2))
conv_case("conv_nonsquare", (1, 7, 10, 3), (2, 3), 5, stride=(1, 2))
conv_case("conv_nonsquare_s21_valid", (1, 7, 10, 3), (3, 2), 5, padding=VALID, stride=(2, 1))
conv_case("conv_no_bias", (1, 6, 6, 3), (3, 3), 4, bias=False)
conv_case("conv_batch2", (2, 5, 5, 3), (3, 3), 4)
conv_case("conv_odd_channels", (1, 5, 6, 5), (3, 3), 7)
conv_case("conv_many_channels", (1, 4, 4, 19), (3, 3), 33)
conv_case("conv_5x5_s2", (1, 11, 11, 4), (5, 5), 8, stride=(2, 2))


@case("conv_channel_mismatch", expect="error", error_contains=("channel", "depth", "shape", "dimension"))
def _(g):
    x = g.input((1, 6, 6, 3))
    w = g.weights((4, 3, 3, 2))
    b = g.weights((4,))
    y = g.tensor((1, 6, 6, 4))
    g.op("CONV_2D", [x, w, b], [y], ("Conv2DOptions", dict(padding=SAME, strideH=1, strideW=1)))
    g.output(y)


def dw_case(name, in_shape, k_hw, mult, padding=SAME, stride=(1, 1), dil=(1, 1), act=NONE, bias=True, **kw):
    """bias=False: a 2-input depthwise conv (the official runtime crashes on it at invoke), checked against the
    same op with zero bias."""
    if bias is False:
        kw.update(expect="match_or_error", ref_builder=lambda g: build_with(g, "zeros"))

    def build_with(g, bias):
        cin = in_shape[3]
        x = g.input(in_shape)
        w_shape = (1, k_hw[0], k_hw[1], cin * mult)
        w = g.weights(w_shape)
        b = g.weights((cin * mult,)) if bias is True else -1
        oh = _out_dim(in_shape[1], k_hw[0], stride[0], dil[0], padding)
        ow = _out_dim(in_shape[2], k_hw[1], stride[1], dil[1], padding)
        y = g.tensor((in_shape[0], oh, ow, cin * mult))
        if bias == "zeros":
            b = g.const(g.np.zeros((w_shape[3],), g.np.float32))
        g.op("DEPTHWISE_CONV_2D", [x, w, b] if bias else [x, w], [y], ("DepthwiseConv2DOptions", dict(
            padding=padding, strideH=stride[0], strideW=stride[1], depthMultiplier=mult,
            dilationHFactor=dil[0], dilationWFactor=dil[1], fusedActivationFunction=act)))
        g.output(y)

    case(name, **kw)(lambda g: build_with(g, bias))


dw_case("dw_m1_same", (1, 8, 8, 4), (3, 3), 1)
dw_case("dw_m1_valid_s2", (1, 9, 9, 4), (3, 3), 1, padding=VALID, stride=(2, 2))
dw_case("dw_m1_same_s2_even", (1, 8, 8, 6), (3, 3), 1, stride=(2, 2))
dw_case("dw_m2_same", (1, 7, 7, 3), (3, 3), 2)
dw_case("dw_m2_valid", (1, 7, 7, 3), (3, 3), 2, padding=VALID)
dw_case("dw_dil2", (1, 9, 9, 4), (3, 3), 1, dil=(2, 2))
dw_case("dw_relu6", (1, 6, 6, 5), (3, 3), 1, act=RELU6, scale=4.0)
dw_case("dw_relu", (1, 6, 6, 5), (5, 5), 1, act=RELU)
dw_case("dw_nonsquare", (1, 6, 9, 3), (1, 5), 1, stride=(1, 2))
dw_case("dw_no_bias", (1, 6, 6, 4), (3, 3), 1, bias=False)
dw_case("dw_many_channels", (1, 4, 4, 37), (3, 3), 1)
dw_case("dw_tanh_ignored", (1, 6, 6, 3), (3, 3), 1, act=TANH)


def fc_case(name, in_shape, units, keep=False, bias=True, act=NONE, **kw):
    @case(name, **kw)
    def build(g: Graph):
        np = g.np
        x = g.input(in_shape)
        k = in_shape[-1]
        w = g.weights((units, k))
        b = g.weights((units,)) if bias else -1
        out = tuple(in_shape[:-1]) + (units,) if keep else (int(np.prod(in_shape)) // k, units)
        y = g.tensor(out)
        g.op("FULLY_CONNECTED", [x, w, b], [y], ("FullyConnectedOptions", dict(
            fusedActivationFunction=act, keepNumDims=keep)))
        g.output(y)


fc_case("fc_basic", (2, 12), 5)
fc_case("fc_no_bias", (3, 12), 5, bias=False)
fc_case("fc_keep_num_dims", (2, 3, 12), 5, keep=True)
fc_case("fc_flatten_4d", (1, 2, 2, 6), 7)
fc_case("fc_relu", (1, 33), 17, act=RELU)
fc_case("fc_relu6", (1, 16), 9, act=RELU6, scale=4.0)
fc_case("fc_large", (1, 160), 40)
fc_case("fc_tanh_unsupported", (1, 16), 9, act=TANH, expect="error", error_contains=("tanh", "activation"))


def binary_case(name, opname, a_shape, b_shape, out_shape, act=NONE, b_const=False, a_const=False, **kw):
    @case(name, **kw)
    def build(g: Graph):
        a = g.weights(a_shape, 1.0) if a_const else g.input(a_shape)
        b = g.weights(b_shape, 1.0) if b_const else g.input(b_shape)
        y = g.tensor(out_shape)
        opt = {"ADD": "AddOptions", "MUL": "MulOptions", "SUB": "SubOptions"}[opname]
        g.op(opname, [a, b], [y], (opt, dict(fusedActivationFunction=act)))
        g.output(y)


for _op in ("ADD", "MUL", "SUB"):
    _n = _op.lower()
    binary_case(f"{_n}_same", _op, (1, 4, 4, 3), (1, 4, 4, 3), (1, 4, 4, 3))
    binary_case(f"{_n}_bcast_channel", _op, (1, 4, 4, 3), (3,), (1, 4, 4, 3), b_const=True)
    binary_case(f"{_n}_bcast_scalar", _op, (1, 4, 5, 3), (), (1, 4, 5, 3), b_const=True)
    binary_case(f"{_n}_bcast_both", _op, (2, 1, 3), (1, 4, 1), (2, 4, 3))
    binary_case(f"{_n}_bcast_4d", _op, (1, 5, 1, 3), (2, 1, 4, 1), (2, 5, 4, 3))
    binary_case(f"{_n}_const_first", _op, (1, 1, 3), (2, 4, 3), (2, 4, 3), a_const=True)
    binary_case(f"{_n}_relu", _op, (1, 4, 4, 3), (1, 4, 4, 3), (1, 4, 4, 3), act=RELU)
    binary_case(f"{_n}_relu6", _op, (1, 4, 4, 3), (1, 1, 1, 3), (1, 4, 4, 3), act=RELU6, scale=5.0)
    binary_case(f"{_n}_relu_n1_to_1", _op, (1, 4, 4, 3), (1, 4, 4, 3), (1, 4, 4, 3), act=RELU_N1_TO_1)
    binary_case(f"{_n}_rank5", _op, (2, 1, 3, 1, 2), (1, 2, 1, 4, 1), (2, 2, 3, 4, 2))
# The official kernels accept a fused TANH on ADD and apply no activation (its range is the whole type).
binary_case("add_tanh_ignored", "ADD", (1, 4, 4, 3), (1, 4, 4, 3), (1, 4, 4, 3), act=TANH, scale=3.0)


def prelu_case(name, in_shape, alpha_shape, **kw):
    @case(name, **kw)
    def build(g: Graph):
        x = g.input(in_shape)
        a = g.weights(alpha_shape, 0.5)
        y = g.tensor(in_shape)
        g.op("PRELU", [x, a], [y])
        g.output(y)


prelu_case("prelu_11c", (1, 5, 5, 8), (1, 1, 8))
prelu_case("prelu_c", (1, 5, 5, 8), (8,))
prelu_case("prelu_hwc", (1, 3, 4, 5), (3, 4, 5))
prelu_case("prelu_2d", (3, 7), (7,))


def unary_case(name, opname, shape, options=None, **kw):
    @case(name, **kw)
    def build(g: Graph):
        x = g.input(shape)
        y = g.tensor(shape)
        g.op(opname, [x], [y], options)
        g.output(y)


unary_case("relu", "RELU", (1, 5, 5, 3), scale=3.0)
unary_case("relu6", "RELU6", (1, 5, 5, 3), scale=6.0)
unary_case("relu_1d", "RELU", (17,), scale=3.0)
unary_case("logistic", "LOGISTIC", (1, 5, 5, 3), scale=6.0)
unary_case("logistic_extreme", "LOGISTIC", (3, 40), scale=40.0)
unary_case("softmax_2d", "SOFTMAX", (3, 10), ("SoftmaxOptions", dict(beta=1.0)), scale=3.0)
unary_case("softmax_beta", "SOFTMAX", (2, 7), ("SoftmaxOptions", dict(beta=0.5)), scale=3.0)
unary_case("softmax_4d", "SOFTMAX", (1, 3, 4, 6), ("SoftmaxOptions", dict(beta=2.0)), scale=3.0)
unary_case("softmax_large", "SOFTMAX", (2, 5), ("SoftmaxOptions", dict(beta=1.0)), scale=80.0)


def pool_case(name, opname, in_shape, f_hw, stride, padding, act=NONE, **kw):
    @case(name, **kw)
    def build(g: Graph):
        x = g.input(in_shape)
        oh = _out_dim(in_shape[1], f_hw[0], stride[0], 1, padding)
        ow = _out_dim(in_shape[2], f_hw[1], stride[1], 1, padding)
        y = g.tensor((in_shape[0], oh, ow, in_shape[3]))
        g.op(opname, [x], [y], ("Pool2DOptions", dict(
            padding=padding, strideH=stride[0], strideW=stride[1], filterHeight=f_hw[0], filterWidth=f_hw[1],
            fusedActivationFunction=act)))
        g.output(y)


for _op in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
    _n = "maxpool" if _op.startswith("MAX") else "avgpool"
    pool_case(f"{_n}_valid_2x2_s2", _op, (1, 8, 8, 3), (2, 2), (2, 2), VALID)
    pool_case(f"{_n}_same_3x3_s2", _op, (1, 9, 9, 3), (3, 3), (2, 2), SAME)
    pool_case(f"{_n}_same_3x3_s1", _op, (1, 6, 7, 4), (3, 3), (1, 1), SAME)
    pool_case(f"{_n}_same_even_s2", _op, (1, 8, 8, 2), (3, 3), (2, 2), SAME)
    pool_case(f"{_n}_valid_nonsquare", _op, (2, 7, 10, 3), (2, 3), (1, 2), VALID)
    pool_case(f"{_n}_relu6", _op, (1, 6, 6, 3), (2, 2), (2, 2), VALID, act=RELU6, scale=8.0)
    pool_case(f"{_n}_global", _op, (1, 5, 5, 8), (5, 5), (1, 1), VALID)
    pool_case(f"{_n}_tanh_ignored", _op, (1, 6, 6, 3), (2, 2), (2, 2), VALID, act=TANH, scale=3.0)


def pad_case(name, in_shape, pads, **kw):
    @case(name, **kw)
    def build(g: Graph):
        np = g.np
        x = g.input(in_shape)
        p = g.const(np.array(pads, np.int32))
        out = tuple(d + a + b for d, (a, b) in zip(in_shape, pads))
        y = g.tensor(out)
        g.op("PAD", [x, p], [y], ("PadOptions", {}))
        g.output(y)


pad_case("pad_hw", (1, 4, 4, 3), [[0, 0], [1, 1], [1, 1], [0, 0]])
pad_case("pad_asym_channels", (1, 4, 5, 3), [[0, 0], [0, 2], [1, 0], [0, 5]])
pad_case("pad_2d", (3, 4), [[1, 2], [3, 0]])
pad_case("pad_batch", (1, 2, 2, 2), [[1, 1], [0, 0], [0, 0], [0, 0]])


@case("reshape_shape_tensor")
def _(g):
    np = g.np
    x = g.input((1, 4, 6, 2))
    s = g.const(np.array([1, -1, 4], np.int32))
    y = g.tensor((1, 12, 4))
    g.op("RESHAPE", [x, s], [y], ("ReshapeOptions", dict(newShape=[1, -1, 4])))
    g.output(y)


@case("reshape_option_only")
def _(g):
    x = g.input((2, 3, 4))
    y = g.tensor((6, 4))
    g.op("RESHAPE", [x], [y], ("ReshapeOptions", dict(newShape=[6, 4])))
    g.output(y)


@case("reshape_flatten_then_fc")
def _(g):
    np = g.np
    x = g.input((1, 3, 3, 4))
    s = g.const(np.array([1, 36], np.int32))
    r = g.tensor((1, 36))
    g.op("RESHAPE", [x, s], [r])
    w, b = g.weights((5, 36)), g.weights((5,))
    y = g.tensor((1, 5))
    g.op("FULLY_CONNECTED", [r, w, b], [y], ("FullyConnectedOptions", {}))
    g.output(y)


def concat_case(name, shapes, axis, act=NONE, const_idx=(), **kw):
    @case(name, **kw)
    def build(g: Graph):
        ins = [g.weights(sh, 1.0) if i in const_idx else g.input(sh) for i, sh in enumerate(shapes)]
        rank = len(shapes[0])
        ax = axis % rank
        out = list(shapes[0])
        out[ax] = sum(sh[ax] for sh in shapes)
        y = g.tensor(out)
        g.op("CONCATENATION", ins, [y], ("ConcatenationOptions", dict(axis=axis, fusedActivationFunction=act)))
        g.output(y)


concat_case("concat_axis3", [(1, 3, 3, 2), (1, 3, 3, 5)], 3)
concat_case("concat_axis1", [(1, 2, 3, 2), (1, 4, 3, 2), (1, 1, 3, 2)], 1)
concat_case("concat_axis_neg1", [(2, 3), (2, 5)], -1)
concat_case("concat_axis_neg3", [(1, 2, 3, 2), (1, 3, 3, 2)], -3)
concat_case("concat_axis0", [(2, 3), (1, 3), (3, 3)], 0)
concat_case("concat_const", [(1, 4, 3), (1, 4, 2)], 2, const_idx=(1,))


def ss_case(name, in_shape, begin, end, strides, out_shape, begin_mask=0, end_mask=0, ellipsis_mask=0,
            new_axis_mask=0, shrink_axis_mask=0, offset=False, **kw):
    @case(name, **kw)
    def build(g: Graph):
        np = g.np
        x = g.input(in_shape)
        b = g.const(np.array(begin, np.int32))
        e = g.const(np.array(end, np.int32))
        s = g.const(np.array(strides, np.int32))
        y = g.tensor(out_shape)
        opts = dict(beginMask=begin_mask, endMask=end_mask, ellipsisMask=ellipsis_mask,
                    newAxisMask=new_axis_mask, shrinkAxisMask=shrink_axis_mask)
        if offset:
            opts["offset"] = True
        g.op("STRIDED_SLICE", [x, b, e, s], [y], ("StridedSliceOptions", opts))
        g.output(y)


ss_case("ss_basic", (1, 6, 6, 3), [0, 1, 1, 0], [1, 5, 4, 3], [1, 1, 1, 1], (1, 4, 3, 3))
ss_case("ss_stride2", (1, 8, 8, 2), [0, 0, 1, 0], [1, 8, 8, 2], [1, 2, 2, 1], (1, 4, 4, 2))
ss_case("ss_begin_end_mask", (2, 5, 4), [1, 1, 2], [0, 4, 0], [1, 1, 1], (2, 3, 4), begin_mask=0b001, end_mask=0b101)
ss_case("ss_negative_idx", (4, 6), [-3, -5], [-1, -1], [1, 1], (2, 4))
ss_case("ss_negative_stride", (5, 4), [4, 3], [0, 0], [-1, -2], (4, 2))
ss_case("ss_reverse_all", (6,), [0], [0], [-1], (6,), begin_mask=1, end_mask=1)
ss_case("ss_shrink", (3, 4, 5), [1, 0, 2], [2, 4, 3], [1, 1, 1], (4,), shrink_axis_mask=0b101)
ss_case("ss_shrink_negative", (3, 4), [-1, 0], [0, 4], [1, 1], (4,), shrink_axis_mask=0b01)
ss_case("ss_ellipsis", (2, 3, 4, 5), [0, 1], [0, 4], [1, 2], (2, 3, 4, 2), ellipsis_mask=0b01)
ss_case("ss_new_axis", (3, 4), [0, 0, 1], [0, 3, 3], [1, 1, 1], (1, 3, 2), new_axis_mask=0b001)
ss_case("ss_clamp_out_of_range", (4, 5), [-10, 1], [10, 100], [1, 2], (4, 2))
ss_case("ss_offset", (4, 6), [1, 2], [2, 3], [1, 1], (2, 3), offset=True)


def mean_case(name, in_shape, axes, keep, out_shape, **kw):
    @case(name, **kw)
    def build(g: Graph):
        np = g.np
        x = g.input(in_shape)
        a = g.const(np.array(axes, np.int32))
        y = g.tensor(out_shape)
        g.op("MEAN", [x, a], [y], ("ReducerOptions", dict(keepDims=keep)))
        g.output(y)


mean_case("mean_hw_keep", (1, 5, 6, 4), [1, 2], True, (1, 1, 1, 4))
mean_case("mean_hw", (1, 5, 6, 4), [1, 2], False, (1, 4))
mean_case("mean_last", (2, 3, 7), [-1], False, (2, 3))
mean_case("mean_axis0_keep", (3, 4), [0], True, (1, 4))
mean_case("mean_all", (2, 3, 4), [0, 1, 2], False, ())
mean_case("mean_dup_neg", (2, 3, 4), [1, -2], True, (2, 1, 4))


@case("dequantize_fp16_conv")
def _(g):
    np = g.np
    x = g.input((1, 6, 6, 3))
    w16 = g.const((g.rng.standard_normal((4, 3, 3, 3)) * 0.5).astype(np.float16))
    b16 = g.const((g.rng.standard_normal((4,)) * 0.5).astype(np.float16))
    w = g.tensor((4, 3, 3, 3))
    b = g.tensor((4,))
    g.op("DEQUANTIZE", [w16], [w])
    g.op("DEQUANTIZE", [b16], [b])
    y = g.tensor((1, 6, 6, 4))
    g.op("CONV_2D", [x, w, b], [y], ("Conv2DOptions", dict(padding=SAME, strideH=1, strideW=1)))
    g.output(y)


@case("dequantize_fp16_add")
def _(g):
    np = g.np
    x = g.input((2, 5))
    c16 = g.const((g.rng.standard_normal((2, 5)) * 3).astype(np.float16))
    c = g.tensor((2, 5))
    g.op("DEQUANTIZE", [c16], [c])
    y = g.tensor((2, 5))
    g.op("ADD", [x, c], [y], ("AddOptions", {}))
    g.output(y)


@case("chain_conv_dw_pool_concat")
def _(g):
    """A few ops chained: intermediates share the arena."""
    np = g.np
    x = g.input((1, 8, 8, 3))
    w, b = g.weights((6, 3, 3, 3)), g.weights((6,))
    c = g.tensor((1, 8, 8, 6))
    g.op("CONV_2D", [x, w, b], [c], ("Conv2DOptions", dict(padding=SAME, strideH=1, strideW=1,
                                                           fusedActivationFunction=RELU)))
    dw, db = g.weights((1, 3, 3, 6)), g.weights((6,))
    d = g.tensor((1, 4, 4, 6))
    g.op("DEPTHWISE_CONV_2D", [c, dw, db], [d], ("DepthwiseConv2DOptions", dict(
        padding=SAME, strideH=2, strideW=2, depthMultiplier=1)))
    p = g.tensor((1, 4, 4, 6))
    g.op("MAX_POOL_2D", [c], [p], ("Pool2DOptions", dict(padding=VALID, strideH=2, strideW=2,
                                                         filterHeight=2, filterWidth=2)))
    a = g.tensor((1, 4, 4, 6))
    g.op("ADD", [d, p], [a], ("AddOptions", {}))
    cc = g.tensor((1, 4, 4, 12))
    g.op("CONCATENATION", [a, d], [cc], ("ConcatenationOptions", dict(axis=3)))
    m = g.tensor((1, 12))
    g.op("MEAN", [cc, g.const(np.array([1, 2], np.int32))], [m], ("ReducerOptions", dict(keepDims=False)))
    g.output(m, d)


@case("unsupported_custom", expect="error", error_contains=("SlimTestCustomOp",))
def _(g):
    x = g.input((1, 4))
    y = g.tensor((1, 4))
    g.op("CUSTOM", [x], [y], custom="SlimTestCustomOp")
    g.output(y)


@case("unsupported_lsh_projection", expect="error", error_contains=("LSH_PROJECTION",))
def _(g):
    hashes = g.weights((3, 2))
    x = g.input((4, 5))
    y = g.tensor((3,), g.s.TensorType.INT32)
    g.op("LSH_PROJECTION", [hashes, x], [y], ("LSHProjectionOptions", dict(type=1)))
    g.output(y)
