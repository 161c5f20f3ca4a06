"""Neural-network op family: pooling, softmax family, normalizations, reductions, spatial ops, transposed and
hybrid convolutions, batch matmul, densify.  Quantized outputs are compared bit-exact with BUILTIN_REF."""
from __future__ import annotations

from . import NONE, RELU, RELU6, RELU_N1_TO_1, SAME, VALID, case
from .graph import Graph

I8, U8, I16 = "INT8", "UINT8", "INT16"


def ttype(g: Graph, name):
    return getattr(g.s.TensorType, name)


def out_dim(n, k, s, padding, d=1):
    ek = (k - 1) * d + 1
    return (n + s - 1) // s if padding == SAME else (n - ek + s) // s


def qio(g: Graph, shape, scale, zp, tname=I8, out_shape=None, out_scale=None, out_zp=None):
    """A quantized input and an output of the same type (same quantization unless given)."""
    t = ttype(g, tname)
    x = g.qinput(shape, scale, zp, t)
    y = g.qtensor(out_shape if out_shape is not None else shape, scale if out_scale is None else out_scale,
                  zp if out_zp is None else out_zp, t)
    return x, y


# ----------------------------------------------------------------------------------------------- pooling

def pool_case(name, opname, in_shape, f_hw, stride, padding, act=NONE, q=None, **kw):
    """q: (type name, scale, zero point) for a quantized pool; None for float."""
    @case(name, **kw)
    def build(g: Graph):
        oh = out_dim(in_shape[1], f_hw[0], stride[0], padding)
        ow = out_dim(in_shape[2], f_hw[1], stride[1], padding)
        out_shape = (in_shape[0], oh, ow, in_shape[3])
        if q is None:
            x, y = g.input(in_shape), g.tensor(out_shape)
        else:
            x, y = qio(g, in_shape, q[1], q[2], q[0], out_shape)
        g.op(opname, [x], [y], ("Pool2DOptions", dict(
            padding=padding, strideH=stride[0], strideW=stride[1], filterHeight=f_hw[0], filterWidth=f_hw[1],
            fusedActivationFunction=act)))
        g.output(y)


for _op, _n in (("MAX_POOL_2D", "maxpool"), ("AVERAGE_POOL_2D", "avgpool")):
    pool_case(f"{_n}_i8_valid_2x2", _op, (1, 8, 8, 5), (2, 2), (2, 2), VALID, q=(I8, 0.05, -3))
    pool_case(f"{_n}_i8_same_3x3_s2", _op, (2, 9, 7, 4), (3, 3), (2, 2), SAME, q=(I8, 0.1, 10))
    pool_case(f"{_n}_i8_same_s1", _op, (1, 5, 6, 3), (3, 3), (1, 1), SAME, q=(I8, 0.02, -128))
    pool_case(f"{_n}_i8_relu6", _op, (1, 6, 6, 3), (2, 2), (2, 2), VALID, act=RELU6, q=(I8, 0.05, 0))
    pool_case(f"{_n}_i8_relu", _op, (1, 6, 6, 3), (3, 3), (1, 1), SAME, act=RELU, q=(I8, 0.05, 20))
    pool_case(f"{_n}_i8_relu_n1", _op, (1, 6, 6, 3), (2, 3), (2, 1), SAME, act=RELU_N1_TO_1, q=(I8, 0.01, 5))
    pool_case(f"{_n}_i8_global", _op, (1, 7, 7, 16), (7, 7), (1, 1), VALID, q=(I8, 0.03, 127))
    pool_case(f"{_n}_u8", _op, (1, 7, 8, 3), (3, 2), (2, 3), SAME, q=(U8, 0.04, 128))
    pool_case(f"{_n}_i16", _op, (1, 8, 7, 3), (3, 3), (2, 2), SAME, q=(I16, 0.001, 0))
    pool_case(f"{_n}_i16_relu", _op, (2, 5, 5, 2), (2, 2), (1, 1), VALID, act=RELU, q=(I16, 0.0005, 0))

pool_case("l2pool_valid", "L2_POOL_2D", (1, 8, 8, 3), (2, 2), (2, 2), VALID)
pool_case("l2pool_same_relu6", "L2_POOL_2D", (2, 7, 9, 4), (3, 3), (2, 2), SAME, act=RELU6, scale=3.0)
pool_case("l2pool_i8_unsupported", "L2_POOL_2D", (1, 4, 4, 3), (2, 2), (2, 2), VALID, q=(I8, 0.05, 0),
          expect="error", error_contains=("int8",))


# ----------------------------------------------------------------------------------------------- softmax family

def softmax_case(name, shape, beta=1.0, q=None, out_q=None, op="SOFTMAX", **kw):
    """q: (type, scale, zp) of the input; out_q: (type, scale, zp) of the output (float when q is None)."""
    @case(name, **kw)
    def build(g: Graph):
        if q is None:
            x, y = g.input(shape), g.tensor(shape)
        else:
            x = g.qinput(shape, q[1], q[2], ttype(g, q[0]))
            y = g.qtensor(shape, out_q[1], out_q[2], ttype(g, out_q[0]))
        opts = ("SoftmaxOptions", dict(beta=beta)) if op == "SOFTMAX" else ("LogSoftmaxOptions", {})
        g.op(op, [x], [y], opts)
        g.output(y)


_S8 = (I8, 1 / 256, -128)
softmax_case("softmax_i8_2d", (3, 10), q=(I8, 0.1, -5), out_q=_S8)
softmax_case("softmax_i8_beta", (2, 17), beta=0.37, q=(I8, 0.25, 3), out_q=_S8)
softmax_case("softmax_i8_4d", (1, 3, 4, 6), beta=2.0, q=(I8, 0.05, 0), out_q=_S8)
softmax_case("softmax_i8_1d", (1001,), q=(I8, 0.12, -12), out_q=_S8)
softmax_case("softmax_i8_big_scale", (4, 9), q=(I8, 1.5, 0), out_q=_S8)
softmax_case("softmax_i8_tiny_scale", (4, 9), q=(I8, 0.002, -128), out_q=_S8)
softmax_case("softmax_i8_zp127", (2, 33), q=(I8, 0.07, 127), out_q=_S8)
softmax_case("softmax_i8_to_i16", (3, 12), q=(I8, 0.1, 2), out_q=(I16, 1 / 32768, -32768))
softmax_case("softmax_u8", (2, 20), q=(U8, 0.08, 128), out_q=(U8, 1 / 256, 0))
softmax_case("softmax_u8_to_i16", (2, 20), beta=1.5, q=(U8, 0.08, 100), out_q=(I16, 1 / 32768, -32768))
softmax_case("softmax_i16", (3, 25), q=(I16, 10 / 32768, 0), out_q=(I16, 1 / 32768, 0))
softmax_case("softmax_i16_beta", (2, 3, 11), beta=0.6, q=(I16, 3 / 32768, 0), out_q=(I16, 1 / 32768, 0))
softmax_case("softmax_i16_big", (1, 700), q=(I16, 40 / 32768, 0), out_q=(I16, 1 / 32768, 0))
softmax_case("softmax_i8_bad_output_zp", (2, 5), q=(I8, 0.1, 0), out_q=(I8, 1 / 256, 0),
             expect="error", error_contains=("zero point",))
softmax_case("softmax_i16_bad_zp", (2, 5), q=(I16, 0.001, 3), out_q=(I16, 1 / 32768, 0),
             expect="error", error_contains=("zero point",))

softmax_case("log_softmax_2d", (3, 10), op="LOG_SOFTMAX", scale=3.0)
softmax_case("log_softmax_4d", (1, 2, 3, 7), op="LOG_SOFTMAX", scale=10.0)
softmax_case("log_softmax_i8", (3, 10), op="LOG_SOFTMAX", q=(I8, 0.1, -5), out_q=(I8, 16 / 256, 127))
softmax_case("log_softmax_i8_wide", (2, 300), op="LOG_SOFTMAX", q=(I8, 0.05, 20), out_q=(I8, 16 / 256, 127))
softmax_case("log_softmax_i8_big_scale", (4, 9), op="LOG_SOFTMAX", q=(I8, 0.9, 0), out_q=(I8, 16 / 256, 127))
softmax_case("log_softmax_i8_bad_out", (2, 5), op="LOG_SOFTMAX", q=(I8, 0.1, 0), out_q=(I8, 1 / 256, -128),
             expect="error", error_contains=("scale",))
softmax_case("log_softmax_u8_unsupported", (2, 5), op="LOG_SOFTMAX", q=(U8, 0.1, 0), out_q=(U8, 16 / 256, 255),
             expect="error", error_contains=("uint8",))
