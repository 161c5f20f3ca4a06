"""Dynamic shapes and control flow: inputs declared -1 resized between invokes, shape arithmetic that folds at
allocate, values known only at invoke (deferred nodes, outputs whose shape changes between invokes), WHILE / IF /
CALL with their subgraphs, and the refusals (recursion, mismatched subgraph signatures)."""
from __future__ import annotations

import numpy as np

from . import case
from .cases_shape import tt

I32, I64, F32, BOOL = "INT32", "INT64", "FLOAT32", "BOOL"


def steps(*resizes, reset_at=()):
    """A run plan: one step per entry ({input k: shape} or None), reset_all_variables() before the steps in
    reset_at."""
    return [dict(resize=r or {}, reset=i in reset_at) for i, r in enumerate(resizes)]


# ---- dynamic input shapes ------------------------------------------------------------------------------------

@case("dyn_batch_fc")
def _(g):
    """Batch dimension declared -1: resize_tensor_input + allocate_tensors between invokes."""
    x = g.input((1, 6), signature=(-1, 6))
    y = g.tensor((1, 3), signature=(-1, 3))
    g.op("FULLY_CONNECTED", [x, g.weights((3, 6)), g.weights((3,))], [y], ("FullyConnectedOptions", {}))
    z = g.tensor((1, 3), signature=(-1, 3))
    g.op("RELU", [y], [z])
    g.output(z)
    g.steps = steps(None, {0: (4, 6)}, {0: (2, 6)}, {0: (1, 6)})


@case("dyn_shape_chain_reshape")
def _(g):
    """SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE: folds to a constant shape at allocate once the input is sized."""
    np_ = g.np
    x = g.input((1, 3, 4), signature=(1, -1, 4))
    shp = g.tensor((3,), tt(g, I32))
    g.op("SHAPE", [x], [shp], ("ShapeOptions", dict(outType=2)))
    n = g.tensor((), tt(g, I32))
    g.op("STRIDED_SLICE", [shp, g.const(np_.array([1], np_.int32)), g.const(np_.array([2], np_.int32)),
                           g.const(np_.array([1], np_.int32))], [n], ("StridedSliceOptions", dict(shrinkAxisMask=1)))
    new_shape = g.tensor((4,), tt(g, I32))
    g.op("PACK", [g.scalar(1, np_.int32), n, g.scalar(2, np_.int32), g.scalar(2, np_.int32)], [new_shape],
         ("PackOptions", dict(valuesCount=4, axis=0)))
    r = g.tensor((1, 3, 2, 2), signature=(1, -1, 2, 2))
    g.op("RESHAPE", [x, new_shape], [r])
    y = g.tensor((1, 3, 2, 2), signature=(1, -1, 2, 2))
    g.op("ADD", [r, g.weights((2, 2))], [y], ("AddOptions", {}))
    g.output(y)
    g.steps = steps(None, {0: (1, 5, 4)}, {0: (1, 2, 4)})


@case("dyn_reshape_runtime_shape")
def _(g):
    """RESHAPE to a shape computed at invoke (SHAPE of one input plus the values of another): deferred."""
    x = g.input((2, 6))
    y = g.input((3, 4))
    zero = g.input((2,), tt(g, I32))
    shp = g.tensor((2,), tt(g, I32))
    g.op("SHAPE", [y], [shp], ("ShapeOptions", dict(outType=2)))
    want = g.tensor((2,), tt(g, I32))
    g.op("ADD", [shp, zero], [want], ("AddOptions", {}))
    r = g.tensor((3, 4))
    g.op("RESHAPE", [x, want], [r])
    out = g.tensor((3, 4))
    g.op("MUL", [r, y], [out], ("MulOptions", {}))
    g.output(out)
    g.int_inputs = {2: (0, 1)}


@case("dyn_where_gather_nd_steps")
def _(g):
    """An output whose shape depends on the values and changes between invokes (WHERE -> GATHER_ND)."""
    mask = g.input((3, 4), tt(g, BOOL))
    x = g.input((3, 4))
    idx = g.tensor((1, 2), tt(g, I64))
    g.op("WHERE", [mask], [idx])
    vals = g.tensor((1,))
    g.op("GATHER_ND", [x, idx], [vals])
    g.output(vals, idx)
    g.steps = steps(None, None, None)


@case("dyn_deferred_chain_resize")
def _(g):
    """A -1 input through data-movement ops, resized between invokes (ops prepared again for every shape)."""
    np_ = g.np
    x = g.input((2, 4), signature=(-1, 4))
    t = g.tensor((4, 2), signature=(4, -1))
    g.op("TRANSPOSE", [x, g.const(np_.array([1, 0], np_.int32))], [t])
    gth = g.tensor((3, 2), signature=(3, -1))
    g.op("GATHER", [t, g.const(np_.array([3, 0, 2], np_.int32))], [gth], ("GatherOptions", dict(axis=0)))
    tl = g.tensor((3, 4), signature=(3, -1))
    g.op("TILE", [gth, g.const(np_.array([1, 2], np_.int32))], [tl])
    g.output(tl)
    g.steps = steps(None, {0: (5, 4)}, {0: (1, 4)})


@case("dyn_range_runtime_steps")
def _(g):
    """RANGE of run-time scalars: the output length changes between invokes."""
    a, b = g.input((), tt(g, I32)), g.input((), tt(g, I32))
    r = g.tensor((1,), tt(g, I32))
    g.op("RANGE", [a, b, g.scalar(2, np.int32)], [r])
    g.output(r)
    g.int_inputs = {0: (-4, 2), 1: (3, 12)}
    g.steps = steps(None, None, None)


# ---- control flow: WHILE -------------------------------------------------------------------------------------
# cond subgraphs make their bool from the ops of this family: a constant bool table gathered at the counter.

def counter_cond(g, n_true, var_specs):
    """cond(i, ...) = table[i], table = [True] * n_true + [False] * ...; returns its subgraph index."""
    idx, c = g.subgraph("cond")
    ins = [c.input(shape, tt(c, ty)) for shape, ty in var_specs]
    table = c.const(np.array([True] * n_true + [False] * 8))
    out = c.tensor((), tt(c, BOOL))
    c.op("GATHER", [table, ins[0]], [out], ("GatherOptions", dict(axis=0)))
    c.output(out)
    return idx


def increment(b, i):
    j = b.tensor((), tt(b, I32))
    b.op("ADD", [i, b.scalar(1, np.int32)], [j], ("AddOptions", {}))
    return j


@case("while_counter_accumulate")
def _(g):
    """i, x = 0, x0; while i < 5: x = x * 0.5 + c; i += 1."""
    specs = [((), I32), ((2, 3), F32)]
    cond = counter_cond(g, 5, specs)
    body_idx, b = g.subgraph("body")
    i, x = b.input((), tt(b, I32)), b.input((2, 3))
    h = b.tensor((2, 3))
    b.op("MUL", [x, b.const(np.full((2, 3), 0.5, np.float32))], [h], ("MulOptions", {}))
    x2 = b.tensor((2, 3))
    b.op("ADD", [h, b.weights((2, 3))], [x2], ("AddOptions", {}))
    b.output(increment(b, i), x2)
    i0 = g.scalar(0, np.int32)
    x0 = g.input((2, 3))
    i_out, x_out = g.tensor((), tt(g, I32)), g.tensor((2, 3))
    g.op("WHILE", [i0, x0], [i_out, x_out], ("WhileOptions", dict(condSubgraphIndex=cond, bodySubgraphIndex=body_idx)))
    g.output(x_out, i_out)


@case("while_growing_concat")
def _(g):
    """A loop variable that grows every iteration (dynamic output shape): x = concat(x, x[:1] * 2)."""
    specs = [((), I32), ((1, 2), F32)]
    cond = counter_cond(g, 3, specs)
    body_idx, b = g.subgraph("body")
    i, x = b.input((), tt(b, I32)), b.input((1, 2), signature=(-1, 2))
    first = b.tensor((1, 2))
    b.op("SLICE", [x, b.const(np.array([0, 0], np.int32)), b.const(np.array([1, 2], np.int32))], [first])
    dbl = b.tensor((1, 2))
    b.op("MUL", [first, b.const(np.full((1, 2), 2.0, np.float32))], [dbl], ("MulOptions", {}))
    x2 = b.tensor((2, 2), signature=(-1, 2))
    b.op("CONCATENATION", [x, dbl], [x2], ("ConcatenationOptions", dict(axis=0)))
    b.output(increment(b, i), x2)
    x0 = g.input((1, 2))
    i_out, x_out = g.tensor((), tt(g, I32)), g.tensor((1, 2), signature=(-1, 2))
    g.op("WHILE", [g.scalar(0, np.int32), x0], [i_out, x_out],
         ("WhileOptions", dict(condSubgraphIndex=cond, bodySubgraphIndex=body_idx)))
    y = g.tensor((1, 2), signature=(-1, 2))
    g.op("RELU", [x_out], [y])
    g.output(y, i_out)


@case("while_rnn_sequence")
def _(g):
    """A recurrent cell in WHILE form (how the converter writes loops it does not fuse): h = tanh(W [x_t, h])."""
    T, n_in, n_h = 4, 3, 5
    specs = [((), I32), ((T, 1, n_in), F32), ((1, n_h), F32)]
    cond = counter_cond(g, T, specs)
    body_idx, b = g.subgraph("body")
    i, xs, h = b.input((), tt(b, I32)), b.input((T, 1, n_in)), b.input((1, n_h))
    xt = b.tensor((1, n_in))
    b.op("GATHER", [xs, i], [xt], ("GatherOptions", dict(axis=0)))
    xh = b.tensor((1, n_in + n_h))
    b.op("CONCATENATION", [xt, h], [xh], ("ConcatenationOptions", dict(axis=1)))
    pre = b.tensor((1, n_h))
    b.op("FULLY_CONNECTED", [xh, b.weights((n_h, n_in + n_h)), b.weights((n_h,))], [pre], ("FullyConnectedOptions", {}))
    h2 = b.tensor((1, n_h))
    b.op("TANH", [pre], [h2])
    b.output(increment(b, i), xs, h2)
    xs0 = g.input((T, 1, n_in))
    h0 = g.const(np.zeros((1, n_h), np.float32))
    outs = [g.tensor((), tt(g, I32)), g.tensor((T, 1, n_in)), g.tensor((1, n_h))]
    g.op("WHILE", [g.scalar(0, np.int32), xs0, h0], outs,
         ("WhileOptions", dict(condSubgraphIndex=cond, bodySubgraphIndex=body_idx)))
    g.output(outs[2])


@case("while_zero_iterations")
def _(g):
    specs = [((), I32), ((3,), F32)]
    cond = counter_cond(g, 0, specs)
    body_idx, b = g.subgraph("body")
    i, x = b.input((), tt(b, I32)), b.input((3,))
    y = b.tensor((3,))
    b.op("RELU", [x], [y])
    b.output(increment(b, i), y)
    x0 = g.input((3,))
    outs = [g.tensor((), tt(g, I32)), g.tensor((3,))]
    g.op("WHILE", [g.scalar(0, np.int32), x0], outs,
         ("WhileOptions", dict(condSubgraphIndex=cond, bodySubgraphIndex=body_idx)))
    g.output(outs[1])


@case("while_recursive_body", expect="error", error_contains=("recursion", "already running"))
def _(g):
    """The body is the subgraph that contains the WHILE."""
    specs = [((), I32)]
    cond = counter_cond(g, 2, specs)
    i0 = g.input((), tt(g, I32))
    out = g.tensor((), tt(g, I32))
    g.op("WHILE", [i0], [out], ("WhileOptions", dict(condSubgraphIndex=cond, bodySubgraphIndex=0)))
    g.output(out)
    g.official_crashes = "ai-edge-litert 2.3.0 dies at allocate_tensors (unbounded recursion)"


@case("while_body_signature_mismatch", expect="error", error_contains=("body subgraph",))
def _(g):
    specs = [((), I32), ((3,), F32)]
    cond = counter_cond(g, 2, specs)
    body_idx, b = g.subgraph("body")
    i = b.input((), tt(b, I32))
    b.output(increment(b, i))
    outs = [g.tensor((), tt(g, I32)), g.tensor((3,))]
    g.op("WHILE", [g.scalar(0, np.int32), g.input((3,))], outs,
         ("WhileOptions", dict(condSubgraphIndex=cond, bodySubgraphIndex=body_idx)))
    g.output(outs[1])


@case("while_bad_subgraph_index", expect="error", error_contains=("subgraph index",))
def _(g):
    x = g.input((3,))
    out = g.tensor((3,))
    g.op("WHILE", [x], [out], ("WhileOptions", dict(condSubgraphIndex=7, bodySubgraphIndex=8)))
    g.output(out)


# ---- control flow: IF / CALL ---------------------------------------------------------------------------------

def branch(g, name, opname, shape, out_shape=None, perm=None):
    idx, b = g.subgraph(name)
    x = b.input(shape)
    y = b.tensor(out_shape or shape)
    if opname == "TRANSPOSE":
        b.op("TRANSPOSE", [x, b.const(np.array(perm, np.int32))], [y])
    elif opname == "MUL":
        b.op("MUL", [x, b.const(np.full(shape, 2.0, np.float32))], [y], ("MulOptions", {}))
    else:
        b.op(opname, [x], [y])
    b.output(y)
    return idx


@case("if_branches")
def _(g):
    c = g.input((1,), tt(g, BOOL))
    x = g.input((2, 3))
    t, e = branch(g, "then", "MUL", (2, 3)), branch(g, "else", "RELU", (2, 3))
    y = g.tensor((2, 3))
    g.op("IF", [c, x], [y], ("IfOptions", dict(thenSubgraphIndex=t, elseSubgraphIndex=e)))
    g.output(y)
    g.steps = steps(None, None, None, None)


@case("if_branch_shapes_differ")
def _(g):
    """then keeps [2, 3], else transposes to [3, 2]: the output is dynamic."""
    c = g.input((), tt(g, BOOL))
    x = g.input((2, 3))
    t = branch(g, "then", "RELU", (2, 3))
    e = branch(g, "else", "TRANSPOSE", (2, 3), (3, 2), perm=[1, 0])
    y = g.tensor((2, 3))
    g.op("IF", [c, x], [y], ("IfOptions", dict(thenSubgraphIndex=t, elseSubgraphIndex=e)))
    g.output(y)
    g.steps = steps(None, None, None, None)


@case("if_cond_not_bool", expect="error", error_contains=("condition",))
def _(g):
    c = g.input((1,), tt(g, I32))
    x = g.input((2,))
    t, e = branch(g, "then", "RELU", (2,)), branch(g, "else", "RELU", (2,))
    y = g.tensor((2,))
    g.op("IF", [c, x], [y], ("IfOptions", dict(thenSubgraphIndex=t, elseSubgraphIndex=e)))
    g.output(y)


def call_model(g, inline):
    x = g.input((2, 4))
    y = g.tensor((2, 4))
    if inline:
        h = g.tensor((2, 4))
        g.op("MUL", [x, g.const(np.full((2, 4), 2.0, np.float32))], [h], ("MulOptions", {}))
        g.op("RELU", [h], [y])
    else:
        idx, b = g.subgraph("callee")
        bx = b.input((2, 4))
        bh, by = b.tensor((2, 4)), b.tensor((2, 4))
        b.op("MUL", [bx, b.const(np.full((2, 4), 2.0, np.float32))], [bh], ("MulOptions", {}))
        b.op("RELU", [bh], [by])
        b.output(by)
        g.op("CALL", [x], [y], ("CallOptions", dict(subgraph=idx)))
    g.output(y)


# The official runtime has no CALL kernel: the reference is the same ops inline.
case("call_subgraph", expect="match_or_error", ref_builder=lambda g: call_model(g, True))(
    lambda g: call_model(g, False))


# ---- resource variables whose shape is known only at invoke -------------------------------------------------

def variable_model(g, through_variable):
    """y = x * 2 with x declared [-1, 3]; through_variable: x is assigned to a resource variable and read back
    (READ_VARIABLE's output is then dynamic)."""
    x = g.input((2, 3), signature=(-1, 3))
    v = x
    if through_variable:
        h = g.tensor((), tt(g, "RESOURCE"))
        g.op("VAR_HANDLE", [], [h], ("VarHandleOptions", dict(sharedName="state")))
        g.op("ASSIGN_VARIABLE", [h, x], [])
        v = g.tensor((1, 3), signature=(-1, 3))
        g.op("READ_VARIABLE", [h], [v])
    y = g.tensor((1, 3), signature=(-1, 3))
    g.op("MUL", [v, g.const(np.full((3,), 2.0, np.float32))], [y], ("MulOptions", {}))
    g.output(y)
    g.steps = steps(None, {0: (4, 3)}, {0: (1, 3)})


# ai-edge-litert 2.3.0 plans READ_VARIABLE's output with the declared shape and overflows it (heap corruption):
# the reference is the same arithmetic without the variable. test_dynamic.py requires slimrt to match it.
case("read_variable_dynamic_shape", expect="match_or_error", ref_builder=lambda g: variable_model(g, False))(
    lambda g: variable_model(g, True))


@case("read_variable_assigned_in_branch")
def _(g):
    """The variable is assigned inside an IF branch, so its shape is unknown at allocate: READ_VARIABLE's output
    (declared [-1, 3]) is dynamic and sized at invoke."""
    def branch_assigning(name, factor):
        idx, b = g.subgraph(name)
        x = b.input((2, 3))
        y = b.tensor((2, 3))
        b.op("MUL", [x, b.const(np.full((3,), factor, np.float32))], [y], ("MulOptions", {}))
        h = b.tensor((), tt(b, "RESOURCE"))
        b.op("VAR_HANDLE", [], [h], ("VarHandleOptions", dict(sharedName="acc")))
        b.op("ASSIGN_VARIABLE", [h, y], [])
        b.output(x)
        return idx

    c, x = g.input((1,), tt(g, BOOL)), g.input((2, 3))
    t, e = branch_assigning("then", 2.0), branch_assigning("else", -3.0)
    passthrough = g.tensor((2, 3))
    g.op("IF", [c, x], [passthrough], ("IfOptions", dict(thenSubgraphIndex=t, elseSubgraphIndex=e)))
    h = g.tensor((), tt(g, "RESOURCE"))
    g.op("VAR_HANDLE", [], [h], ("VarHandleOptions", dict(sharedName="acc")))
    v = g.tensor((2, 3), signature=(-1, 3))
    g.op("READ_VARIABLE", [h], [v])
    y = g.tensor((2, 3), signature=(-1, 3))
    g.op("ADD", [v, passthrough], [y], ("AddOptions", {}))
    g.output(y)
    g.steps = steps(None, None, None)
