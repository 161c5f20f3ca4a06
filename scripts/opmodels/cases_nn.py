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
