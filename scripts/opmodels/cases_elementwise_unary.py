"""Elementwise family, unary and other ops: unary maths, activations, PRELU, LOGICAL_NOT, SELECT/SELECT_V2, CAST,
FILL, ZEROS_LIKE, ADD_N (helpers shared with cases_elementwise.py). Quantized 8-bit unary cases feed every input
value, int16 ones 2048 values spread over the range, so the per-value tables are checked whole.
"""
from __future__ import annotations

from . import case
from .cases_elementwise import make_operand, make_result

# ---- unary maths ------------------------------------------------------------------------------------------------------

def every_value(t, lo=None):
    """values(g) for input 0: every int8/uint8 value (>= lo), or 2048 int16 values spread over the range plus the
    extremes."""
    def make(g):
        np = g.np
        if t == "i16":
            v = np.concatenate([np.linspace(-32768, 32767, 2045).round(), [-32768, -1, 0]]).astype(np.int16)
            return {0: v[v >= lo] if lo is not None else v}
        dt = np.int8 if t == "i8" else np.uint8
        info = np.iinfo(dt)
        v = np.arange(info.min if lo is None else max(lo, info.min), info.max + 1).astype(dt)
        return {0: v}
    return make


def unary_case(name, op, t, shape=None, qi=None, qo=None, options=None, values=None, scale=None, out_type=None,
               int_range=None, **kw):
    """op(x). With values=every_value(...) the input shape comes from the values; int_range: (lo, hi) of an
    integer input."""
    if scale is not None:
        kw["scale"] = scale

    @case(name, **kw)
    def build(g):
        vals = values(g) if values is not None else None
        sh = vals[0].shape if vals is not None else shape
        x = make_operand(g, t, sh, qi)
        y = make_result(g, out_type or t, sh, qo)
        g.op(op, [x], [y], options)
        g.output(y)
        if vals is not None:
            g.input_values = vals
        if int_range is not None:
            g.int_inputs = {0: int_range}


for _op in ("ABS", "NEG", "EXP", "LOG", "SIN", "COS", "SQRT", "RSQRT", "SQUARE", "CEIL", "FLOOR", "ROUND", "SIGN"):
    _n = _op.lower()
    _positive = _op in ("LOG", "SQRT", "RSQRT")
    unary_case(f"{_n}_f32", _op, "f32", (3, 5, 7), scale=3.0,
               values=(lambda g: {0: g.np.abs(g.rng.standard_normal((3, 5, 7)) * 3).astype(g.np.float32)})
               if _positive else None)
unary_case("round_f32_halves", "ROUND", "f32", values=lambda g: {
    0: g.np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.49, 1e8 + 0.0, 0.49999997], g.np.float32)})
unary_case("sign_f32_zeros", "SIGN", "f32", values=lambda g: {0: g.np.array([-0.0, 0.0, -1e-30, 1e-30, 5, -5], g.np.float32)})
unary_case("exp_f32_large", "EXP", "f32", (40,), scale=30.0)
unary_case("abs_i32", "ABS", "i32", values=lambda g: {0: g.np.array([-2**31, -5, 0, 7, 2**31 - 1], g.np.int32)})
unary_case("abs_i16_plain", "ABS", "i16", values=every_value("i16"))
unary_case("neg_i32", "NEG", "i32", values=lambda g: {0: g.np.array([-2**31, -5, 0, 7, 2**31 - 1], g.np.int32)})
unary_case("neg_i64", "NEG", "i64", values=lambda g: {0: g.np.array([-2**63, -5, 0, 7, 2**63 - 1], g.np.int64)})
unary_case("neg_i8_raw", "NEG", "i8", qi=(0.1, 10), qo=(0.1, 10), values=every_value("i8"))
unary_case("neg_i16_raw", "NEG", "i16", values=every_value("i16"))
unary_case("sign_i32", "SIGN", "i32", values=lambda g: {0: g.np.array([-2**31, -5, 0, 7, 2**31 - 1], g.np.int32)})

_Q8 = [((0.05, 0), (0.05, 0)), ((0.02, -10), (0.07, 5)), ((0.1, -128), (0.01, -128)), ((0.003, 127), (0.5, 127))]
for _op in ("ABS", "EXP", "LOG", "SQRT", "RSQRT"):
    _n = _op.lower()
    for _k, (_qi, _qo) in enumerate(_Q8):
        _lo = _qi[1] if _op in ("SQRT", "RSQRT") else None
        unary_case(f"{_n}_i8_q{_k}", _op, "i8", qi=_qi, qo=_qo, values=every_value("i8", _lo))
    unary_case(f"{_n}_i16", _op, "i16", qi=(0.0005, 0), qo=(0.0003, 0),
               values=every_value("i16", 0 if _op in ("SQRT", "RSQRT") else None))
    unary_case(f"{_n}_i16_coarse", _op, "i16", qi=(0.02, 0), qo=(0.01, 0),
               values=every_value("i16", 0 if _op in ("SQRT", "RSQRT") else None))
    unary_case(f"{_n}_u8_unsupported", _op, "u8", (4,), qi=(0.1, 128), qo=(0.1, 128), expect="error",
               error_contains=("uint8",))
unary_case("exp_i8_saturating", "EXP", "i8", qi=(0.5, -20), qo=(0.004, -128), values=every_value("i8"))
unary_case("abs_i16_nonzero_zp", "ABS", "i16", (5,), qi=(0.001, 4), qo=(0.001, 0), expect="error",
           error_contains=("zero point",))
unary_case("sin_i8_unsupported", "SIN", "i8", (4,), qi=(0.1, 0), qo=(0.1, 0), expect="error",
           error_contains=("int8",))
unary_case("exp_i8_unquantized", "EXP", "i8", (4,), expect="error", error_contains=("quantized",))


# ---- activations ------------------------------------------------------------------------------------------------------

_ACT_TYPES = {"RELU": ("i8", "u8", "i16"), "RELU6": ("i8", "u8", "i16"), "RELU_N1_TO_1": ("i8", "u8"),
              "RELU_0_TO_1": ("i8", "u8"), "LEAKY_RELU": ("i8", "u8", "i16"), "HARD_SWISH": ("i8", "u8"),
              "LOGISTIC": ("i8", "u8"), "TANH": ("i8", "u8"), "ELU": ("i8",), "GELU": ("i8", "u8", "i16")}
_ACT_OPTIONS = {"LEAKY_RELU": ("LeakyReluOptions", dict(alpha=0.2)), "GELU": ("GeluOptions", dict(approximate=False))}
# (input, output) quantization per type: realistic, then awkward (zero points at the limits, far-apart scales)
_ACT_Q = {"i8": [((0.05, -3), (0.04, -10)), ((0.2, 127), (0.003, -128))],
          "u8": [((0.05, 125), (0.04, 118)), ((0.01, 0), (0.5, 255))],
          "i16": [((0.0004, 0), (0.0003, 0)), ((0.02, 0), (0.00001, 0))]}
for _op, _types in _ACT_TYPES.items():
    _n = _op.lower()
    _opts = _ACT_OPTIONS.get(_op)
    unary_case(f"{_n}_f32", _op, "f32", (2, 6, 9), options=_opts, scale=4.0)
    for _t in _types:
        for _k, (_qi, _qo) in enumerate(_ACT_Q[_t]):
            if _op == "LOGISTIC":  # the official runtime requires the output quantization of a probability
                _qo = (1 / 256, -128 if _t == "i8" else 0)
            unary_case(f"{_n}_{_t}_q{_k}", _op, _t, qi=_qi, qo=_qo, options=_opts, values=every_value(_t))
unary_case("leaky_relu_i8_negative_alpha", "LEAKY_RELU", "i8", qi=(0.05, 0), qo=(0.05, 0),
           options=("LeakyReluOptions", dict(alpha=-0.7)), values=every_value("i8"))
unary_case("leaky_relu_i8_zero_alpha", "LEAKY_RELU", "i8", qi=(0.05, 10), qo=(0.02, -5),
           options=("LeakyReluOptions", dict(alpha=0.0)), values=every_value("i8"))
unary_case("leaky_relu_f32_alpha_3", "LEAKY_RELU", "f32", (40,), options=("LeakyReluOptions", dict(alpha=3.0)))
unary_case("gelu_f32_approximate", "GELU", "f32", (2, 50), options=("GeluOptions", dict(approximate=True)), scale=3.0)
unary_case("gelu_i8_approximate", "GELU", "i8", qi=(0.05, -3), qo=(0.03, -50),
           options=("GeluOptions", dict(approximate=True)), values=every_value("i8"))
unary_case("gelu_i16_approximate", "GELU", "i16", qi=(0.0004, 0), qo=(0.0003, 0),
           options=("GeluOptions", dict(approximate=True)), values=every_value("i16"))
unary_case("tanh_i8_symmetric_output", "TANH", "i8", qi=(0.04, 0), qo=(1 / 128, 0), values=every_value("i8"))
unary_case("hard_swish_i8_mobilenet_v3", "HARD_SWISH", "i8", qi=(0.07, 12), qo=(0.05, -95), values=every_value("i8"))
unary_case("relu6_i8_wide_output", "RELU6", "i8", qi=(0.01, 0), qo=(0.1, -128), values=every_value("i8"))
unary_case("relu_i16_nonzero_zp", "RELU", "i16", (5,), qi=(0.001, 3), qo=(0.001, 0), expect="error",
           error_contains=("zero point",))
unary_case("elu_u8_unsupported", "ELU", "u8", (5,), qi=(0.1, 128), qo=(0.1, 128), expect="error",
           error_contains=("uint8",))
unary_case("hard_swish_i16_unsupported", "HARD_SWISH", "i16", (5,), qi=(0.001, 0), qo=(0.001, 0), expect="error",
           error_contains=("int16",))


def prelu_q_case(name, t, x_shape, alpha_shape, qx, qa, qo, alpha_const=True, **kw):
    @case(name, **kw)
    def build(g):
        x = make_operand(g, t, x_shape, qx)
        a = make_operand(g, t, alpha_shape, qa, const=alpha_const)
        y = make_result(g, t, x_shape, qo)
        g.op("PRELU", [x, a], [y])
        g.output(y)


prelu_q_case("prelu_i8_channel", "i8", (1, 5, 6, 8), (1, 1, 8), (0.05, -3), (0.004, -128), (0.04, 5))
prelu_q_case("prelu_i8_hwc_input_alpha", "i8", (2, 3, 4, 5), (3, 4, 5), (0.1, 20), (0.02, 3), (0.06, -1),
             alpha_const=False)
prelu_q_case("prelu_u8", "u8", (2, 4, 4, 3), (3,), (0.05, 128), (0.01, 0), (0.04, 120))
prelu_q_case("prelu_i16_refused", "i16", (2, 3), (3,), (0.001, 0), (0.001, 0), (0.001, 0), expect="error",
             error_contains=("int16",))
prelu_q_case("prelu_alpha_larger_than_input", "i8", (1, 3), (2, 3), (0.05, 0), (0.05, 0), (0.05, 0),
             expect="error", error_contains=("broadcast", "shape"))


unary_case("logical_not", "LOGICAL_NOT", "bool", (3, 4, 5))
unary_case("logical_not_i32_unsupported", "LOGICAL_NOT", "i32", (3,), expect="error", error_contains=("bool",))


# ---- SELECT / SELECT_V2, CAST, FILL, ZEROS_LIKE, ADD_N --------------------------------------------------------------

def select_case(name, op, t, c_shape, x_shape, y_shape, out_shape, qx=None, **kw):
    @case(name, **kw)
    def build(g):
        c = make_operand(g, "bool", c_shape)
        x = make_operand(g, t, x_shape, qx)
        y = make_operand(g, t, y_shape, qx)
        o = make_result(g, t, out_shape, qx)
        g.op(op, [c, x, y], [o])
        g.output(o)


for _t in ("f32", "i8", "i32", "i64", "bool"):
    _q = (0.1, 3) if _t == "i8" else None
    select_case(f"select_{_t}", "SELECT", _t, (2, 3, 4), (2, 3, 4), (2, 3, 4), (2, 3, 4), _q)
    select_case(f"select_v2_{_t}_bcast", "SELECT_V2", _t, (2, 1, 4), (1, 3, 1), (2, 3, 4), (2, 3, 4), _q)
select_case("select_rank1_condition", "SELECT", "f32", (2,), (2, 3, 4), (2, 3, 4), (2, 3, 4))
select_case("select_v2_scalar_condition", "SELECT_V2", "f32", (), (2, 3), (3,), (2, 3))
select_case("select_v2_scalar_values", "SELECT_V2", "i16", (3, 1), (), (), (3, 1))
select_case("select_v2_rank5", "SELECT_V2", "f32", (1, 2, 1, 3, 1), (2, 1, 3, 1, 2), (1, 1, 1, 1, 2), (2, 2, 3, 3, 2))
select_case("select_v2_empty", "SELECT_V2", "f32", (0, 3), (1, 3), (0, 1), (0, 3))
select_case("select_condition_shape_mismatch", "SELECT", "f32", (3,), (2, 3), (2, 3), (2, 3), expect="error",
            error_contains=("condition",))


def cast_case(name, src, dst, values=None, shape=(4, 8), **kw):
    unary_case(name, "CAST", src, shape, values=values, out_type=dst, **kw)


def _special_floats(t):
    def make(g):
        np = g.np
        v = np.array([np.nan, np.inf, -np.inf, 1e10, -1e10, 3e9, -3e9, 70000.5, -70000.5, 300.7, -300.7, 255.9,
                      200.5, 3.7, -3.7, -0.0, 0.5, -0.5, 1e-30, 2147483520.0, -2147483648.0, 65535.4, 127.9, -128.9],
                     np.float64)
        return {0: v.astype({"f32": np.float32, "f64": np.float64, "f16": np.float16}[t])}
    return make


_CAST_TYPES = ("f32", "i8", "u8", "i16", "i32", "i64", "bool")
for _s in _CAST_TYPES:
    for _d in _CAST_TYPES:
        if _s == _d:
            continue
        _values = _special_floats(_s) if _s == "f32" else None
        cast_case(f"cast_{_s}_to_{_d}", _s, _d, values=_values, shape=None if _values else (4, 8),
                  int_range=(-70000, 70000) if _s in ("i32", "i64") else None)
cast_case("cast_f64_to_i32", "f64", "i32", values=_special_floats("f64"))
cast_case("cast_f16_to_f32", "f16", "f32", values=lambda g: {  # finite: the float comparison takes no inf/NaN
    0: g.np.array([65504, -65504, 6e-8, -6e-8, 1e-5, 300.7, -0.0, 3.14159, 0.1], g.np.float16)})
cast_case("cast_u16_to_i8", "u16", "i8", values=lambda g: {0: g.np.array([0, 65535, 300, 128], g.np.uint16)})
cast_case("cast_u32_to_f32", "u32", "f32", values=lambda g: {0: g.np.array([0, 4294967295, 16777217, 3], g.np.uint32)})
cast_case("cast_i64_to_f32_rounding", "i64", "f32",
          values=lambda g: {0: g.np.array([2**62 + 1, -2**53 - 1, 16777217, -16777219], g.np.int64)})
cast_case("cast_f32_to_f16_unsupported", "f32", "f16", shape=(3,), expect="error", error_contains=("float16",))


@case("fill_f32")
def _(g):
    d = g.const(g.np.array([2, 3, 4], g.np.int32))
    v = g.input((), g.s.TensorType.FLOAT32)
    y = g.tensor((2, 3, 4))
    g.op("FILL", [d, v], [y])
    g.output(y)


for _t in ("i32", "i64", "bool", "i8"):
    @case(f"fill_{_t}_int64_dims")
    def _(g, _t=_t):
        d = g.const(g.np.array([3, 1, 2], g.np.int64))
        v = make_operand(g, _t, (), (0.5, 2) if _t == "i8" else None)
        y = make_result(g, _t, (3, 1, 2), (0.5, 2) if _t == "i8" else None)
        g.op("FILL", [d, v], [y])
        g.output(y)
        g.int_inputs = {0: (-100, 100)}


@case("fill_dims_at_run_time")
def _(g):
    d = g.input((3,), g.s.TensorType.INT32)
    v = g.input((), g.s.TensorType.FLOAT32)
    y = g.tensor((1, 1, 1))
    g.op("FILL", [d, v], [y])
    g.output(y)
    g.input_values = {0: g.np.array([2, 5, 3], g.np.int32)}


@case("fill_negative_dim", expect="error", error_contains=("out of range", "negative"))
def _(g):
    d = g.const(g.np.array([2, -1], g.np.int32))
    v = g.input((), g.s.TensorType.FLOAT32)
    y = g.tensor((2, 1))
    g.op("FILL", [d, v], [y])
    g.output(y)


for _t in ("f32", "i32", "i64"):
    unary_case(f"zeros_like_{_t}", "ZEROS_LIKE", _t, (3, 5))


def add_n_case(name, t, n, shape=(3, 7), **kw):
    @case(name, **kw)
    def build(g):
        ins = [make_operand(g, t, shape) for _ in range(n)]
        y = make_result(g, t, shape)
        g.op("ADD_N", ins, [y])
        g.output(y)
        g.int_inputs = {k: (-2**31, 2**31) for k in range(n)}


add_n_case("add_n_f32_2", "f32", 2)
add_n_case("add_n_f32_5", "f32", 5)
add_n_case("add_n_i32_4_wrapping", "i32", 4)
add_n_case("add_n_single_input", "f32", 1, expect="error", error_contains=("inputs",))

# int16 LOGISTIC / TANH: the reference's fixed-point sigmoid table; output scale 2^-15.
for _op in ("LOGISTIC", "TANH"):
    _n = _op.lower()
    for _k, _si in enumerate((2**-12, 2**-11, 0.0003, 0.02)):
        unary_case(f"{_n}_i16_q{_k}", _op, "i16", qi=(_si, 0), qo=(2**-15, 0), values=every_value("i16"))
    unary_case(f"{_n}_i16_wrong_output_scale", _op, "i16", (4,), qi=(0.001, 0), qo=(0.001, 0), expect="error",
               error_contains=("2^-15",))
