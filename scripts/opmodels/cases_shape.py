"""Shapes and data movement: SHAPE, RANK, EXPAND_DIMS, SQUEEZE, PACK, UNPACK, TILE, BROADCAST_TO, BROADCAST_ARGS,
RANGE, GATHER, GATHER_ND, SLICE, REVERSE_V2, MIRROR_PAD, ONE_HOT, SCATTER_ND, WHERE, TOPK_V2, EMBEDDING_LOOKUP,
DYNAMIC_UPDATE_SLICE, UNIQUE, and the element types of CONCATENATION/PAD/SPLIT/STRIDED_SLICE/TRANSPOSE the float
cases leave out. Dynamic shapes and control flow: cases_dynamic.py."""
from __future__ import annotations

import numpy as np

from . import case

I8, U8, I16, I32, I64, F32, BOOL = "INT8", "UINT8", "INT16", "INT32", "INT64", "FLOAT32", "BOOL"
NP = {I8: np.int8, U8: np.uint8, I16: np.int16, I32: np.int32, I64: np.int64, F32: np.float32, BOOL: np.bool_}


def tt(g, name):
    return getattr(g.s.TensorType, name)


def typed_input(g, shape, ttype, quant=None):
    """A graph input of type ttype (quant: (scale, zero_point) for quantized types)."""
    if quant is not None:
        return g.qinput(shape, quant[0], quant[1], tt(g, ttype))
    return g.input(shape, tt(g, ttype))


def typed_tensor(g, shape, ttype, quant=None):
    if quant is not None:
        return g.qtensor(shape, quant[0], quant[1], tt(g, ttype))
    return g.tensor(shape, tt(g, ttype))


def one_op(name, opname, in_specs, out_specs, options=None, int_inputs=None, version=1, **kw):
    """One op: inputs given as ("in", shape, type[, quant]) or ("const", array); outputs as (shape, type[, quant])."""
    @case(name, **kw)
    def build(g):
        ins = []
        for spec in in_specs:
            if spec[0] == "const":
                ins.append(g.const(spec[1]))
            elif spec[0] == "scalar":
                ins.append(g.scalar(spec[1], spec[2]))
            elif spec[0] == "none":
                ins.append(-1)
            else:
                ins.append(typed_input(g, *spec[1:]))
        outs = [typed_tensor(g, *spec) for spec in out_specs]
        g.op(opname, ins, outs, options, version=version)
        g.output(*outs)
        if int_inputs:
            g.int_inputs = int_inputs


def c32(*v):
    return ("const", np.array(v, np.int32))


def c64(*v):
    return ("const", np.array(v, np.int64))


def scalar(v, dtype=np.int32):
    return ("scalar", v, dtype)


Q8 = (0.05, 3)

# ---- SHAPE / RANK -------------------------------------------------------------------------------------------
one_op("shape_f32", "SHAPE", [("in", (2, 3, 4, 5), F32)], [((4,), I32)], options=("ShapeOptions", dict(outType=2)))
one_op("shape_int64_out", "SHAPE", [("in", (3, 1, 7), I8, Q8)], [((3,), I64)],
       options=("ShapeOptions", dict(outType=4)))
one_op("shape_bool", "SHAPE", [("in", (5,), BOOL)], [((1,), I32)], options=("ShapeOptions", dict(outType=2)))
one_op("shape_type_mismatch", "SHAPE", [("in", (2, 3), F32)], [((2,), I32)], options=("ShapeOptions", dict(outType=4)),
       expect="error", error_contains=("out_type",))
one_op("rank_f32", "RANK", [("in", (2, 3, 4), F32)], [((), I32)])
one_op("rank_scalar", "RANK", [("in", (), I32)], [((), I32)])

# ---- EXPAND_DIMS / SQUEEZE ----------------------------------------------------------------------------------
one_op("expand_dims_0", "EXPAND_DIMS", [("in", (3, 4), F32), c32(0)], [((1, 3, 4), F32)])
one_op("expand_dims_neg1", "EXPAND_DIMS", [("in", (3, 4), F32), c32(-1)], [((3, 4, 1), F32)])
one_op("expand_dims_mid_i8", "EXPAND_DIMS", [("in", (2, 3, 4), I8, Q8), c64(2)], [((2, 3, 1, 4), I8, Q8)])
one_op("expand_dims_scalar_axis_neg3", "EXPAND_DIMS", [("in", (5, 2), I32), scalar(-3)],
       [((1, 5, 2), I32)])
one_op("expand_dims_runtime_axis", "EXPAND_DIMS", [("in", (2, 3), F32), ("in", (1,), I32)], [((2, 3, 1), F32)],
       int_inputs={1: (2, 3)})
one_op("expand_dims_bad_axis", "EXPAND_DIMS", [("in", (3, 4), F32), c32(4)], [((3, 4, 1), F32)],
       expect="error", error_contains=("axis",))
one_op("squeeze_all", "SQUEEZE", [("in", (1, 3, 1, 4, 1), F32)], [((3, 4), F32)])
one_op("squeeze_dims", "SQUEEZE", [("in", (1, 3, 1, 4, 1), F32)], [((3, 1, 4, 1), F32)],
       options=("SqueezeOptions", dict(squeezeDims=[0, -3])))
one_op("squeeze_bool", "SQUEEZE", [("in", (2, 1), BOOL)], [((2,), BOOL)],
       options=("SqueezeOptions", dict(squeezeDims=[1])))
one_op("squeeze_not_one", "SQUEEZE", [("in", (1, 3), F32)], [((1,), F32)],
       options=("SqueezeOptions", dict(squeezeDims=[1])),
       expect="error", error_contains=("squeeze",))

# ---- PACK / UNPACK ------------------------------------------------------------------------------------------
one_op("pack_axis0", "PACK", [("in", (3, 4), F32)] * 2, [((2, 3, 4), F32)],
       options=("PackOptions", dict(valuesCount=2, axis=0)))
one_op("pack_axis1_i32", "PACK", [("in", (3,), I32), ("in", (3,), I32), c32(7, 8, 9)], [((3, 3), I32)],
       options=("PackOptions", dict(valuesCount=3, axis=1)))
one_op("pack_axis_neg1_i8", "PACK", [("in", (2, 3), I8, Q8)] * 2, [((2, 3, 2), I8, Q8)],
       options=("PackOptions", dict(valuesCount=2, axis=-1)))
one_op("pack_scalars_i64", "PACK", [("in", (), I64)] * 3, [((3,), I64)], options=("PackOptions", dict(valuesCount=3)))
one_op("pack_count_mismatch", "PACK", [("in", (3,), F32)] * 2, [((3, 3), F32)],
       options=("PackOptions", dict(valuesCount=3, axis=0)), expect="error", error_contains=("values_count",))
one_op("unpack_axis0", "UNPACK", [("in", (3, 2, 4), F32)], [((2, 4), F32)] * 3, options=("UnpackOptions", dict(num=3)))
one_op("unpack_axis1_i32", "UNPACK", [("in", (2, 3, 2), I32)], [((2, 2), I32)] * 3,
       options=("UnpackOptions", dict(num=3, axis=1)))
one_op("unpack_axis_neg1_i8", "UNPACK", [("in", (2, 2), I8, Q8)], [((2,), I8, Q8)] * 2,
       options=("UnpackOptions", dict(num=2, axis=-1)))

# ---- TILE / BROADCAST_TO / BROADCAST_ARGS -------------------------------------------------------------------
one_op("tile_2d", "TILE", [("in", (2, 3), F32), c32(2, 3)], [((4, 9), F32)])
one_op("tile_3d_i64_multiples", "TILE", [("in", (2, 1, 3), F32), c64(1, 4, 2)], [((2, 4, 6), F32)])
one_op("tile_i8", "TILE", [("in", (3,), I8, Q8), c32(3)], [((9,), I8, Q8)])
one_op("tile_bool", "TILE", [("in", (1, 2), BOOL), c32(3, 2)], [((3, 4), BOOL)])
one_op("tile_i32_runtime", "TILE", [("in", (2, 2), I32), ("in", (2,), I32)], [((4, 6), I32)], int_inputs={1: (2, 4)})
one_op("broadcast_to_row", "BROADCAST_TO", [("in", (3,), F32), c32(2, 3)], [((2, 3), F32)], version=2)
one_op("broadcast_to_mid", "BROADCAST_TO", [("in", (2, 1, 3), F32), c32(2, 4, 3)], [((2, 4, 3), F32)], version=2)
one_op("broadcast_to_rank5_i32", "BROADCAST_TO", [("in", (1, 3, 1), I32), c64(2, 1, 4, 3, 5)], [((2, 1, 4, 3, 5), I32)],
       version=2)
one_op("broadcast_to_bool", "BROADCAST_TO", [("in", (2, 1), BOOL), c32(2, 3)], [((2, 3), BOOL)], version=2)
one_op("broadcast_to_bad", "BROADCAST_TO", [("in", (2, 3), F32), c32(2, 4)], [((2, 4), F32)],
       expect="error", error_contains=("broadcast",), version=2)
one_op("broadcast_args", "BROADCAST_ARGS", [("in", (3,), I32), c32(2, 3, 1, 5)], [((4,), I32)], int_inputs={0: (1, 2)})
one_op("broadcast_args_i64", "BROADCAST_ARGS", [c64(4, 1), c64(3, 1, 6)], [((3,), I64)])

# ---- RANGE --------------------------------------------------------------------------------------------------
one_op("range_i32", "RANGE", [scalar(2), scalar(17), scalar(3)], [((5,), I32)])
one_op("range_i32_negative", "RANGE", [scalar(5), scalar(-6), scalar(-2)], [((6,), I32)])
one_op("range_i64", "RANGE", [scalar(-3, np.int64), scalar(4, np.int64), scalar(1, np.int64)], [((7,), I64)])
one_op("range_f32_accumulates", "RANGE", [scalar(0.1, np.float32), scalar(9.0, np.float32),
                                           scalar(0.3, np.float32)], [((30,), F32)])
one_op("range_runtime", "RANGE", [("in", (), I32), ("in", (), I32), ("in", (), I32)], [((1,), I32)],
       int_inputs={0: (0, 3), 1: (5, 12), 2: (1, 4)})
one_op("range_bad_delta", "RANGE", [scalar(0), scalar(5), scalar(-1)], [((0,), I32)], expect="error",
       error_contains=("delta",))

# ---- GATHER / GATHER_ND / EMBEDDING_LOOKUP ------------------------------------------------------------------
one_op("gather_axis0", "GATHER", [("in", (5, 4), F32), ("in", (3,), I32)], [((3, 4), F32)], int_inputs={1: (0, 5)},
       options=("GatherOptions", dict(axis=0)))
one_op("gather_axis1_2d_idx", "GATHER", [("in", (2, 6, 3), F32), ("in", (2, 2), I32)], [((2, 2, 2, 3), F32)],
       int_inputs={1: (0, 6)}, options=("GatherOptions", dict(axis=1)))
one_op("gather_axis_neg1_i64_idx", "GATHER", [("in", (3, 5), F32), ("in", (4,), I64)], [((3, 4), F32)],
       int_inputs={1: (0, 5)}, options=("GatherOptions", dict(axis=-1)))
one_op("gather_batch_dims", "GATHER", [("in", (2, 5, 3), F32), ("in", (2, 4), I32)], [((2, 4, 3), F32)],
       int_inputs={1: (0, 5)}, options=("GatherOptions", dict(axis=1, batchDims=1)))
one_op("gather_i32_scalar_idx", "GATHER", [("in", (4, 3), I32), c32(2)], [((3,), I32)],
       options=("GatherOptions", dict(axis=0)))
one_op("gather_bool", "GATHER", [("in", (6,), BOOL), ("in", (4,), I32)], [((4,), BOOL)], int_inputs={1: (0, 6)},
       options=("GatherOptions", dict(axis=0)))


@case("gather_i8_const_embedding")
def _(g):
    """A text model's quantized embedding table (constant int8 params) gathered by token ids."""
    table = g.qconst(g.rng.integers(-128, 128, size=(20, 8)).astype(np.int8), 0.02, -5)
    ids = g.input((1, 6), tt(g, I32))
    y = g.qtensor((1, 6, 8), 0.02, -5)
    g.op("GATHER", [table, ids], [y], ("GatherOptions", dict(axis=0)))
    g.output(y)
    g.int_inputs = {0: (0, 20)}


@case("gather_f32_const_then_fc")
def _(g):
    table = g.weights((10, 6))
    ids = g.input((4,), tt(g, I32))
    e = g.tensor((4, 6))
    g.op("GATHER", [table, ids], [e], ("GatherOptions", dict(axis=0)))
    y = g.tensor((4, 3))
    g.op("FULLY_CONNECTED", [e, g.weights((3, 6)), g.weights((3,))], [y], ("FullyConnectedOptions", {}))
    g.output(y)
    g.int_inputs = {0: (0, 10)}


one_op("gather_nd_depth1", "GATHER_ND", [("in", (4, 5, 3), F32), ("in", (3, 1), I32)], [((3, 5, 3), F32)],
       int_inputs={1: (0, 4)})
one_op("gather_nd_depth2", "GATHER_ND", [("in", (4, 5, 3), F32), ("in", (2, 2), I32)], [((2, 3), F32)],
       int_inputs={1: (0, 4)})
one_op("gather_nd_full_i64", "GATHER_ND", [("in", (3, 4), I32), ("in", (2, 3, 2), I64)], [((2, 3), I32)],
       int_inputs={1: (0, 3)})
one_op("gather_nd_i8", "GATHER_ND", [("in", (4, 4), I8, Q8), c32([0, 1], [3, 3], [2, 0])], [((3,), I8, Q8)])
one_op("embedding_lookup_f32", "EMBEDDING_LOOKUP", [("in", (3,), I32), ("in", (5, 4), F32)], [((3, 4), F32)],
       int_inputs={0: (0, 5)})
one_op("embedding_lookup_3d", "EMBEDDING_LOOKUP", [("in", (4,), I32), ("in", (6, 2, 3), F32)], [((4, 2, 3), F32)],
       int_inputs={0: (0, 6)})


def lookup_hybrid(name, ttype, lo, hi):
    @case(name)
    def build(g):
        ids = g.input((5,), tt(g, I32))
        table = g.qconst(g.rng.integers(lo, hi, size=(7, 4)).astype(NP[ttype]), 0.037, 0)
        y = g.tensor((5, 4))
        g.op("EMBEDDING_LOOKUP", [ids, table], [y])
        g.output(y)
        g.int_inputs = {0: (0, 7)}


lookup_hybrid("embedding_lookup_hybrid_i8", I8, -128, 128)
lookup_hybrid("embedding_lookup_hybrid_u8", U8, 0, 256)

# ---- SLICE / REVERSE_V2 -------------------------------------------------------------------------------------
one_op("slice_3d", "SLICE", [("in", (4, 5, 6), F32), c32(1, 0, 2), c32(2, -1, 3)], [((2, 5, 3), F32)])
one_op("slice_i64_begin_i32", "SLICE", [("in", (6, 4), I32), c64(2, 1), c64(3, 2)], [((3, 2), I32)])
one_op("slice_empty", "SLICE", [("in", (3, 4), F32), c32(1, 1), c32(0, 2)], [((0, 2), F32)])
one_op("slice_i8", "SLICE", [("in", (1, 5, 5, 2), I8, Q8), c32(0, 1, 1, 0), c32(1, 3, 3, 2)], [((1, 3, 3, 2), I8, Q8)])
one_op("slice_runtime_begin", "SLICE", [("in", (5, 6), F32), ("in", (2,), I32), c32(2, 3)], [((2, 3), F32)],
       int_inputs={1: (0, 3)})
one_op("slice_out_of_range", "SLICE", [("in", (3, 4), F32), c32(2, 0), c32(2, 4)], [((2, 4), F32)],
       expect="error", error_contains=("range", "size"))
one_op("reverse_axis1", "REVERSE_V2", [("in", (3, 4, 2), F32), c32(1)], [((3, 4, 2), F32)])
one_op("reverse_last_i8", "REVERSE_V2", [("in", (2, 7), I8, Q8), c32(-1)], [((2, 7), I8, Q8)])
one_op("reverse_first_bool", "REVERSE_V2", [("in", (5, 2), BOOL), c32(0)], [((5, 2), BOOL)])
one_op("reverse_i32_axis0_of_4d", "REVERSE_V2", [("in", (3, 2, 2, 2), I32), c32(0)], [((3, 2, 2, 2), I32)])

# ---- MIRROR_PAD ---------------------------------------------------------------------------------------------
REFLECT, SYMMETRIC = 0, 1
one_op("mirror_pad_reflect_2d", "MIRROR_PAD", [("in", (3, 4), F32), c32([2, 1], [1, 3])], [((6, 8), F32)],
       options=("MirrorPadOptions", dict(mode=REFLECT)))
one_op("mirror_pad_symmetric_2d", "MIRROR_PAD", [("in", (3, 4), F32), c32([3, 1], [0, 4])], [((7, 8), F32)],
       options=("MirrorPadOptions", dict(mode=SYMMETRIC)))
one_op("mirror_pad_reflect_nhwc", "MIRROR_PAD", [("in", (1, 5, 5, 3), F32), c32([0, 0], [2, 2], [2, 2], [0, 0])],
       [((1, 9, 9, 3), F32)], options=("MirrorPadOptions", dict(mode=REFLECT)))
one_op("mirror_pad_symmetric_i8", "MIRROR_PAD", [("in", (2, 3), I8, Q8), c64([1, 2], [3, 2])], [((5, 8), I8, Q8)],
       options=("MirrorPadOptions", dict(mode=SYMMETRIC)))
one_op("mirror_pad_1d_i32", "MIRROR_PAD", [("in", (5,), I32), c32([4, 4])], [((13,), I32)],
       options=("MirrorPadOptions", dict(mode=REFLECT)))
one_op("mirror_pad_too_wide", "MIRROR_PAD", [("in", (3, 4), F32), c32([3, 0], [0, 0])], [((6, 4), F32)],
       options=("MirrorPadOptions", dict(mode=REFLECT)), expect="error", error_contains=("out of range",))

# ---- ONE_HOT ------------------------------------------------------------------------------------------------
one_op("one_hot_f32", "ONE_HOT", [("in", (6,), I32), scalar(5), scalar(1.5, np.float32),
                                  scalar(-0.5, np.float32)], [((6, 5), F32)],
       int_inputs={0: (-1, 7)}, options=("OneHotOptions", dict(axis=-1)))
one_op("one_hot_axis0_i32", "ONE_HOT", [("in", (2, 3), I32), scalar(4), scalar(7), scalar(0)], [((4, 2, 3), I32)],
       int_inputs={0: (0, 4)}, options=("OneHotOptions", dict(axis=0)))
one_op("one_hot_axis1_i64_idx", "ONE_HOT", [("in", (2, 3), I64), scalar(3), scalar(True, np.bool_),
                                            scalar(False, np.bool_)], [((2, 3, 3), BOOL)],
       int_inputs={0: (0, 3)}, options=("OneHotOptions", dict(axis=1)))
one_op("one_hot_i8", "ONE_HOT", [("in", (4,), I32), scalar(3), scalar(100, np.int8),
                                 scalar(-100, np.int8)], [((4, 3), I8)],
       int_inputs={0: (0, 3)}, options=("OneHotOptions", dict(axis=-1)))

# ---- SCATTER_ND ---------------------------------------------------------------------------------------------
one_op("scatter_nd_rows", "SCATTER_ND", [c32([1], [3]), ("in", (2, 4), F32), c32(5, 4)], [((5, 4), F32)])
one_op("scatter_nd_duplicates", "SCATTER_ND", [c32([0, 1], [2, 2], [0, 1]), ("in", (3,), F32), c32(3, 3)],
       [((3, 3), F32)])
one_op("scatter_nd_i32_depth2", "SCATTER_ND", [c32([[0, 0], [1, 2]], [[2, 1], [0, 0]]), ("in", (2, 2, 3), I32),
                                               c32(3, 3, 3)], [((3, 3, 3), I32)])
one_op("scatter_nd_runtime_idx", "SCATTER_ND", [("in", (4, 1), I32), ("in", (4, 2), F32), c32(6, 2)], [((6, 2), F32)],
       int_inputs={0: (0, 6)})
one_op("scatter_nd_i8", "SCATTER_ND", [c32([1], [0]), ("in", (2,), I8), c32(4)], [((4,), I8)])

# ---- WHERE / TOPK_V2 / UNIQUE -------------------------------------------------------------------------------
one_op("where_bool", "WHERE", [("in", (3, 4), BOOL)], [((1, 2), I64)])


@case("where_f32_after_relu")
def _(g):
    x = g.input((2, 3, 2))
    r = g.tensor((2, 3, 2))
    g.op("RELU", [x], [r])
    y = g.tensor((1, 3), tt(g, I64))
    g.op("WHERE", [r], [y])
    g.output(y)


one_op("where_i32", "WHERE", [("in", (7,), I32)], [((1, 1), I64)], int_inputs={0: (0, 3)})
one_op("where_const", "WHERE", [("const", np.array([[True, False], [False, True], [True, True]]))], [((4, 2), I64)])
one_op("topk_f32", "TOPK_V2", [("in", (3, 10), F32), scalar(4)], [((3, 4), F32), ((3, 4), I32)])
one_op("topk_i8_ties", "TOPK_V2", [("in", (2, 12), I8), scalar(5)], [((2, 5), I8), ((2, 5), I32)],
       int_inputs={0: (-2, 2)})
one_op("topk_i32_all", "TOPK_V2", [("in", (6,), I32), scalar(6)], [((6,), I32), ((6,), I32)], int_inputs={0: (0, 4)})
one_op("topk_u8_3d", "TOPK_V2", [("in", (2, 2, 5), U8), scalar(2)], [((2, 2, 2), U8), ((2, 2, 2), I32)])
one_op("topk_k_too_big", "TOPK_V2", [("in", (2, 3), F32), scalar(4)], [((2, 4), F32), ((2, 4), I32)],
       expect="error", error_contains=("k ",))
one_op("unique_i32", "UNIQUE", [("in", (10,), I32)], [((1,), I32), ((10,), I32)], int_inputs={0: (0, 5)},
       options=("UniqueOptions", dict(idxOutType=2)))
one_op("unique_f32_i64_idx", "UNIQUE", [("const", np.array([1.5, -0.0, 2, 1.5, 0.0, 3, 2], np.float32))],
       [((4,), F32), ((7,), I64)], options=("UniqueOptions", dict(idxOutType=4)))

# ---- DYNAMIC_UPDATE_SLICE -----------------------------------------------------------------------------------
one_op("dus_f32", "DYNAMIC_UPDATE_SLICE", [("in", (4, 5), F32), ("in", (2, 3), F32), c32(1, 1)], [((4, 5), F32)])
one_op("dus_clamped_runtime_start", "DYNAMIC_UPDATE_SLICE", [("in", (4, 5, 2), F32), ("in", (2, 3, 2), F32),
                                                             ("in", (3,), I32)], [((4, 5, 2), F32)],
       int_inputs={2: (-3, 7)})
one_op("dus_i32_i64_start", "DYNAMIC_UPDATE_SLICE", [("in", (6,), I32), ("in", (2,), I32), c64(5)], [((6,), I32)])
one_op("dus_i8_row", "DYNAMIC_UPDATE_SLICE", [("in", (3, 4), I8, Q8), ("in", (1, 4), I8, Q8), c32(2, 0)],
       [((3, 4), I8, Q8)])

# ---- other element types of CONCATENATION / PAD / SPLIT / STRIDED_SLICE / TRANSPOSE -------------------------
for _t in (BOOL, I64, I16):
    _n = _t.lower()
    one_op(f"concat_{_n}", "CONCATENATION", [("in", (2, 3), _t), ("in", (2, 2), _t)], [((2, 5), _t)],
           options=("ConcatenationOptions", dict(axis=1)))
    one_op(f"transpose_{_n}", "TRANSPOSE", [("in", (2, 3, 4), _t), c32(2, 0, 1)], [((4, 2, 3), _t)])
    if _t != BOOL:  # the official SPLIT refuses bool
        one_op(f"split_{_n}", "SPLIT", [c32(1), ("in", (2, 6), _t)], [((2, 3), _t)] * 2,
               options=("SplitOptions", dict(numSplits=2)))
    one_op(f"strided_slice_{_n}", "STRIDED_SLICE", [("in", (4, 6), _t), c32(1, 0), c32(4, 6), c32(2, 2)],
           [((2, 3), _t)], options=("StridedSliceOptions", {}))
one_op("pad_i64", "PAD", [("in", (2, 3), I64), c32([1, 0], [0, 2])], [((3, 5), I64)])
one_op("pad_i16", "PAD", [("in", (2, 3), I16), c32([1, 1], [2, 0])], [((4, 5), I16)])
one_op("pad_bool", "PAD", [("in", (2, 2), BOOL), c32([0, 1], [1, 0])], [((3, 3), BOOL)])
one_op("padv2_i64", "PADV2", [("in", (2, 3), I64), c32([1, 0], [0, 2]), c64(-7)], [((3, 5), I64)])
one_op("split_v_i64", "SPLIT_V", [("in", (3, 7), I64), c32(2, -1, 1), c32(1)], [((3, 2), I64), ((3, 4), I64),
                                                                             ((3, 1), I64)],
       options=("SplitVOptions", dict(numSplits=3)))

# ---- edge ranks, awkward quantization, more index types, refusals -------------------------------------------
one_op("transpose_rank6_i8", "TRANSPOSE", [("in", (2, 1, 3, 2, 1, 2), I8, (1e-3, -128)), c32(5, 3, 0, 2, 4, 1)],
       [((2, 2, 2, 3, 1, 1), I8, (1e-3, -128))])
one_op("tile_rank5_u8", "TILE", [("in", (1, 2, 1, 2, 3), U8, (0.7, 255)), c32(2, 1, 3, 1, 2)],
       [((2, 2, 3, 2, 6), U8, (0.7, 255))])
one_op("expand_dims_scalar", "EXPAND_DIMS", [("in", (), F32), scalar(0)], [((1,), F32)])
one_op("reshape_scalar_to_1x1", "RESHAPE", [("in", (), I32), c32(1, 1)], [((1, 1), I32)])
one_op("broadcast_to_rank6_from_scalar", "BROADCAST_TO", [("in", (), F32), c32(2, 1, 3, 1, 2, 2)],
       [((2, 1, 3, 1, 2, 2), F32)], version=2)
one_op("gather_u8_const_table", "GATHER", [("const", np.arange(24, dtype=np.uint8).reshape(6, 4) * 10),
                                           ("in", (3,), I16)], [((3, 4), U8)], int_inputs={0: (0, 6)},
       options=("GatherOptions", dict(axis=0)))
one_op("gather_i8_extreme_quant", "GATHER", [("in", (4, 3), I8, (1e-6, 127)), ("in", (5,), I64)],
       [((5, 3), I8, (1e-6, 127))], int_inputs={1: (0, 4)}, options=("GatherOptions", dict(axis=0)))
one_op("squeeze_rank6", "SQUEEZE", [("in", (1, 2, 1, 3, 1, 1), I16)], [((2, 3), I16)])
one_op("gather_float_indices", "GATHER", [("in", (4, 3), F32), ("in", (2,), F32)], [((2, 3), F32)],
       options=("GatherOptions", dict(axis=0)), expect="error", error_contains=("indices",))
one_op("scatter_nd_i16_refused", "SCATTER_ND", [c32([1], [0]), ("in", (2,), I16), c32(4)], [((4,), I16)],
       expect="error", error_contains=("int16",))
one_op("one_hot_float_indices", "ONE_HOT", [("in", (3,), F32), scalar(4), scalar(1.0, np.float32),
                                            scalar(0.0, np.float32)], [((3, 4), F32)],
       expect="error", error_contains=("indices",))
one_op("pack_quant_mismatch", "PACK", [("in", (2,), I8, (0.1, 0)), ("in", (2,), I8, (0.2, 0))],
       [((2, 2), I8, (0.1, 0))],
       options=("PackOptions", dict(valuesCount=2)), expect="error", error_contains=("quantization",))
