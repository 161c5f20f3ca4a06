"""The hostile-model corpus: malformed .tflite files derived from real and generated models.

Every case is (category, name, bytes, expect):
  expect "error":    slimrt must raise ValueError at construction or at allocate_tensors;
  expect "no_crash": slimrt may accept the model (then invoke with zero inputs may also raise ValueError or
                     RuntimeError) or raise ValueError; it must never crash, hang or raise anything else.

Built in memory at test time from the models in tests/data (nothing binary is committed), by patching bytes
in place with the engine-independent reader in fbreader.py.  Deterministic.
``python3 scripts/gen_hostile.py DIR`` writes the same corpus to files (e.g. to seed the fuzzer).
"""
from __future__ import annotations

import random
import struct
from pathlib import Path

import fbreader as fb

DATA = Path(__file__).resolve().parents[1] / "data"
BASES = {
    # name: path; small generated models first (fast), then real ones
    "conv": DATA / "generated" / "conv_same_s1.tflite",
    "chain": DATA / "generated" / "chain_conv_dw_pool_concat.tflite",
    "reshape": DATA / "generated" / "reshape_shape_tensor.tflite",
    "fc": DATA / "generated" / "fc_basic.tflite",
    "deq": DATA / "generated" / "dequantize_fp16_conv.tflite",
    "ss": DATA / "generated" / "ss_shrink.tflite",
    "gather": DATA / "generated" / "gather_batch_dims.tflite",
    "scatter": DATA / "generated" / "scatter_nd_runtime_idx.tflite",
    "mirror": DATA / "generated" / "mirror_pad_reflect_2d.tflite",
    "dynchain": DATA / "generated" / "dyn_shape_chain_reshape.tflite",
    "while": DATA / "generated" / "while_growing_concat.tflite",
    "lstm": DATA / "generated" / "lstm_hybrid_peephole_projection.tflite",
    "lstm_q": DATA / "generated" / "lstm_int8_all_features.tflite",
    # elementwise family: quantized arithmetic, rescaled comparisons, quantized PRELU, SELECT (two-input ops whose
    # shapes must agree, so that the huge-dimension cases are inconsistent models, not merely huge ones)
    "add_q": DATA / "generated" / "add_i8.tflite",
    "div_q": DATA / "generated" / "div_u8.tflite",
    "less_q": DATA / "generated" / "less_i8_scales_differ.tflite",
    "prelu_q": DATA / "generated" / "prelu_i8_channel.tflite",
    "select": DATA / "generated" / "select_i8.tflite",
    "nabu": DATA / "models" / "okay_nabu.tflite",
    "recrop": DATA / "models" / "hand_recrop.tflite",
}


def put(buf: bytearray, pos: int, fmt: str, value) -> bytearray:
    out = bytearray(buf)
    struct.pack_into("<" + fmt, out, pos, value)
    return out


class Builder:
    def __init__(self):
        self.cases = []

    def add(self, category, name, data, expect="error"):
        self.cases.append((category, name, bytes(data), expect))


def _const_tensors(sg):
    """(tensor table, index) of tensors whose buffer field is present and non-zero (constants)."""
    return [(t, i) for i, t in enumerate(sg.tables(fb.SG_TENSORS)) if t.scalar(fb.T_BUFFER, "I") != 0]


def derive(base: str, data: bytes, b: Builder) -> None:
    buf = bytearray(data)
    n = len(buf)
    m = fb.root(data)
    sg = m.tables(fb.MODEL_SUBGRAPHS)[0]
    tensors = sg.tables(fb.SG_TENSORS)
    ops = sg.tables(fb.SG_OPERATORS)
    consts = _const_tensors(sg)
    first_in = sg.ints(fb.SG_INPUTS)[0]

    # --- truncated files at many lengths
    lengths = sorted({0, 1, 3, 4, 7, 8, 12, 16, 24, 32, 48, 64, 100, n - 1, n - 2, n - 4, n - 8}
                     | {n * k // 17 for k in range(1, 17)})
    for L in lengths:
        if 0 <= L < n:
            b.add("truncated", f"{base}_trunc_{L}", buf[:L])

    # --- file identifier and root offset
    b.add("identifier", f"{base}_ident_XXXX", buf[:4] + b"XXXX" + buf[8:])
    b.add("identifier", f"{base}_ident_TFL2", buf[:4] + b"TFL2" + buf[8:])
    for v in (n, n + 64, 0xFFFFFFFC, 0x7FFFFFFF, 2):
        b.add("offsets", f"{base}_root_{v:x}", put(buf, 0, "I", v))
    # offsets inside the model pointing past the end
    sv = m.field_pos(fb.MODEL_SUBGRAPHS)
    b.add("offsets", f"{base}_subgraphs_offset_past_end", put(buf, sv, "I", n * 2))
    b.add("offsets", f"{base}_subgraphs_offset_wrap", put(buf, sv, "I", 0xFFFFFFF0))
    _, tstart, _ = sg.vector(fb.SG_TENSORS)
    b.add("offsets", f"{base}_tensor0_offset_past_end", put(buf, tstart, "I", n * 3))
    bv = m.field_pos(fb.MODEL_BUFFERS)
    b.add("offsets", f"{base}_buffers_offset_past_end", put(buf, bv, "I", n + 1000))
    nm = tensors[0].field_pos(fb.T_NAME)
    if nm is not None:
        b.add("offsets", f"{base}_tensor_name_offset_past_end", put(buf, nm, "I", n))

    # --- vtables pointing outside
    for v in (0x7FFFFFF0, -0x7FFFFFF0, m.pos + 1, -(n - m.pos + 16)):
        b.add("vtable", f"{base}_root_vtable_{v & 0xFFFFFFFF:x}", put(buf, m.pos, "i", v))
    b.add("vtable", f"{base}_subgraph_vtable_out", put(buf, sg.pos, "i", -(n * 2)))
    b.add("vtable", f"{base}_tensor_vtable_out", put(buf, tensors[-1].pos, "i", 0x40000000))
    b.add("vtable", f"{base}_op_vtable_out", put(buf, ops[0].pos, "i", -(n + 4)))
    vt_entry = m.vtable_entry_pos(fb.MODEL_SUBGRAPHS)
    b.add("vtable", f"{base}_field_offset_out_of_table", put(buf, vt_entry, "H", 0xFFF0),
          expect="error" if n < 0xFFF0 else "no_crash")
    b.add("vtable", f"{base}_vtable_size_huge", put(buf, m.vt, "H", 0xFFFE), expect="no_crash")
    b.add("vtable", f"{base}_vtable_size_odd", put(buf, m.vt, "H", 3), expect="no_crash")

    # --- dimensions: negative, huge, overflowing byte sizes
    shape = tensors[first_in].vector(fb.T_SHAPE)
    if shape is not None and shape[2] > 0:
        _, s0, rank = shape
        b.add("dims", f"{base}_input_dim_negative", put(buf, s0, "i", -5))
        b.add("dims", f"{base}_input_dim_minus1", put(buf, s0, "i", -1), expect="no_crash")
        huge = bytearray(buf)
        for k in range(rank):
            struct.pack_into("<i", huge, s0 + 4 * k, 0x7FFFFFFF)
        b.add("dims", f"{base}_input_dims_int32max", huge)
        big = bytearray(buf)
        for k in range(rank):
            struct.pack_into("<i", big, s0 + 4 * k, 0x10000)
        b.add("dims", f"{base}_input_dims_2pow16_each", big)
        b.add("dims", f"{base}_input_dim_2pow31_minus1", put(buf, s0 + 4 * (rank - 1), "i", 0x7FFFFFFF))
    for t, i in consts[:3]:
        cs = t.vector(fb.T_SHAPE)
        if cs is not None and cs[2] > 0:
            b.add("dims", f"{base}_const{i}_dim_negative", put(buf, cs[1], "i", -3))
            b.add("dims", f"{base}_const{i}_dim_huge", put(buf, cs[1], "i", 0x7FFFFFFF))

    # --- constant buffers of the wrong size
    buffers = m.tables(fb.MODEL_BUFFERS)
    done = 0
    for t, i in consts:
        cs = t.vector(fb.T_SHAPE)
        bi = t.scalar(fb.T_BUFFER, "I")
        if bi >= len(buffers) or cs is None or cs[2] == 0:
            continue
        d = buffers[bi].vector(fb.BUF_DATA)
        if d is None or d[2] < 8:
            continue
        b.add("const_size", f"{base}_const{i}_buffer_short", put(buf, d[0], "I", d[2] - 4))
        b.add("const_size", f"{base}_const{i}_buffer_len_past_end", put(buf, d[0], "I", d[2] + n))
        b.add("const_size", f"{base}_const{i}_shape_doubled", put(buf, cs[1], "i",
                                                                  struct.unpack_from("<i", buf, cs[1])[0] * 2))
        done += 1
        if done == 2:
            break

    # --- dangling / negative indices
    o_in = ops[0].vector(fb.OP_INPUTS)
    o_out = ops[0].vector(fb.OP_OUTPUTS)
    if o_in is not None and o_in[2]:
        b.add("indices", f"{base}_op_input_dangling", put(buf, o_in[1], "i", 9999))
        b.add("indices", f"{base}_op_input_minus2", put(buf, o_in[1], "i", -2))
        b.add("indices", f"{base}_op_input_int32min", put(buf, o_in[1], "i", -0x80000000))
    last_ins = ops[-1].vector(fb.OP_INPUTS)
    if last_ins is not None and last_ins[2]:
        b.add("indices", f"{base}_lastop_input_dangling", put(buf, last_ins[1] + 4 * (last_ins[2] - 1), "i",
                                                              len(tensors)))
    if o_out is not None and o_out[2]:
        b.add("indices", f"{base}_op_output_dangling", put(buf, o_out[1], "i", len(tensors)))
        b.add("indices", f"{base}_op_output_minus1", put(buf, o_out[1], "i", -1))
    si = sg.vector(fb.SG_INPUTS)
    so = sg.vector(fb.SG_OUTPUTS)
    b.add("indices", f"{base}_sg_input_dangling", put(buf, si[1], "i", 100000))
    b.add("indices", f"{base}_sg_input_minus1", put(buf, si[1], "i", -1))
    b.add("indices", f"{base}_sg_input_minus7", put(buf, si[1], "i", -7))
    b.add("indices", f"{base}_sg_output_dangling", put(buf, so[1], "i", len(tensors) + 5))
    b.add("indices", f"{base}_sg_output_minus1", put(buf, so[1], "i", -1))
    for k, op in enumerate(ops):
        p = op.field_pos(fb.OP_OPCODE)
        if p is not None:
            b.add("indices", f"{base}_op{k}_opcode_dangling", put(buf, p, "I", 9999))
            b.add("indices", f"{base}_op{k}_opcode_uint32max", put(buf, p, "I", 0xFFFFFFFF))
            break
    codes = m.tables(fb.MODEL_OPCODES)
    p = codes[0].field_pos(3)
    if p is not None:
        b.add("indices", f"{base}_opcode_builtin_unknown", put(buf, p, "i", 9999))
        # negative builtin_code: max(deprecated_builtin_code, builtin_code) still names the op: valid
        b.add("indices", f"{base}_opcode_builtin_negative", put(buf, p, "i", -3), expect="no_crash")
    for t, i in consts[:1]:
        p = t.field_pos(fb.T_BUFFER)
        b.add("indices", f"{base}_const{i}_buffer_dangling", put(buf, p, "I", len(buffers) + 100))
        b.add("indices", f"{base}_const{i}_buffer_uint32max", put(buf, p, "I", 0xFFFFFFFF))

    # --- wrong tensor types
    typed = [(t, i) for i, t in enumerate(tensors) if t.field_pos(fb.T_TYPE) is not None]
    for t, i in typed[:2]:
        p = t.field_pos(fb.T_TYPE)
        b.add("types", f"{base}_tensor{i}_type_unknown", put(buf, p, "b", 99))
        b.add("types", f"{base}_tensor{i}_type_negative", put(buf, p, "b", -1))
        b.add("types", f"{base}_tensor{i}_type_string", put(buf, p, "b", 5), expect="no_crash")  # may be unused
    if typed:
        # a float32 model input turned into a string tensor (its type field is absent when float32: patch int ones)
        t, i = typed[0]
        b.add("types", f"{base}_tensor{i}_type_complex128", put(buf, t.field_pos(fb.T_TYPE), "b", 11))

    # --- empty / huge vectors
    sgs = m.vector(fb.MODEL_SUBGRAPHS)
    b.add("vectors", f"{base}_no_subgraphs", put(buf, sgs[0], "I", 0))
    b.add("vectors", f"{base}_subgraphs_len_huge", put(buf, sgs[0], "I", 0x7FFFFFFF))
    tv = sg.vector(fb.SG_TENSORS)
    b.add("vectors", f"{base}_no_tensors", put(buf, tv[0], "I", 0))
    b.add("vectors", f"{base}_tensors_len_uint32max", put(buf, tv[0], "I", 0xFFFFFFFF))
    b.add("vectors", f"{base}_tensors_len_2pow30", put(buf, tv[0], "I", 0x40000000))
    ov = sg.vector(fb.SG_OPERATORS)
    b.add("vectors", f"{base}_operators_len_huge", put(buf, ov[0], "I", 0x10000000))
    b.add("vectors", f"{base}_no_operators", put(buf, ov[0], "I", 0), expect="no_crash")
    b.add("vectors", f"{base}_no_sg_inputs", put(buf, si[0], "I", 0), expect="no_crash")
    b.add("vectors", f"{base}_sg_inputs_len_huge", put(buf, si[0], "I", 0x3FFFFFFF))
    if shape is not None:
        b.add("vectors", f"{base}_shape_len_huge", put(buf, shape[0], "I", 0x40000000))
        b.add("vectors", f"{base}_shape_len_plus1000", put(buf, shape[0], "I", shape[2] + 1000))
    if o_in is not None:
        b.add("vectors", f"{base}_op_inputs_len_huge", put(buf, o_in[0], "I", 0xFFFFFF00))
    bufs = m.vector(fb.MODEL_BUFFERS)
    b.add("vectors", f"{base}_buffers_len_huge", put(buf, bufs[0], "I", 0x20000000))
    b.add("vectors", f"{base}_no_buffers", put(buf, bufs[0], "I", 0), expect="error" if consts else "no_crash")
    ocv = m.vector(fb.MODEL_OPCODES)
    b.add("vectors", f"{base}_no_opcodes", put(buf, ocv[0], "I", 0))
    b.add("vectors", f"{base}_opcodes_len_huge", put(buf, ocv[0], "I", 0x7FFFFFF0))
    if nm is not None:
        nv = tensors[0].vector(fb.T_NAME)
        b.add("vectors", f"{base}_name_len_huge", put(buf, nv[0], "I", 0x7FFFFFF0))

    # --- random damage: must never crash (any outcome but a crash/hang/other exception is fine)
    rng = random.Random(f"hostile:{base}")
    for k in range(40 if n < 20000 else 12):
        d = bytearray(buf)
        for _ in range(rng.choice((1, 2, 4, 16))):
            pos = rng.randrange(n)
            d[pos] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.randrange(256), d[pos] ^ (1 << rng.randrange(8))))
        b.add("random_damage", f"{base}_damage_{k}", d, expect="no_crash")


T_QUANT, Q_SCALE, Q_ZERO_POINT = 4, 2, 3  # Tensor.quantization; QuantizationParameters.scale, .zero_point
HOSTILE_SCALES = (0.0, -0.5, float("nan"), float("inf"), 1e-38, 1e38, 3e-4)
HOSTILE_ZERO_POINTS = (-129, -(1 << 63))
QUANT_BASES = ("lstm_q",)  # bases whose every quantized tensor gets hostile parameters


def derive_quant(base: str, data: bytes, b: Builder) -> None:
    """Hostile quantization on each quantized tensor in turn (scales zero, negative, NaN, infinite, tiny, huge, not
    a power of two; zero points out of range): the effective multipliers an integer kernel derives from them must
    be validated in prepare. A clean ValueError or a clean run, never a crash."""
    buf = bytearray(data)
    sg = fb.root(buf).tables(fb.MODEL_SUBGRAPHS)[0]
    for i, t in enumerate(sg.tables(fb.SG_TENSORS)):
        q = t.table(T_QUANT)
        scales, zps = (q.vector(Q_SCALE), q.vector(Q_ZERO_POINT)) if q is not None else (None, None)
        for k, v in enumerate(HOSTILE_SCALES if scales and scales[2] else ()):
            b.add("quant", f"{base}_tensor{i}_scale{k}", put(buf, scales[1], "f", v), expect="no_crash")
        for k, v in enumerate(HOSTILE_ZERO_POINTS if zps and zps[2] else ()):
            b.add("quant", f"{base}_tensor{i}_zero_point{k}", put(buf, zps[1], "q", v), expect="no_crash")


def derive_special(b: Builder) -> None:
    nabu = bytearray((DATA / "models" / "okay_nabu.tflite").read_bytes())
    m = fb.root(bytes(nabu))
    sgs = m.tables(fb.MODEL_SUBGRAPHS)
    # CALL_ONCE's init_subgraph_index (CallOnceOptions field 0) dangling: op 0 of subgraph 0 is CALL_ONCE
    op0 = sgs[0].tables(fb.SG_OPERATORS)[0]
    opts = op0.table(fb.OP_OPTIONS)
    p = opts.field_pos(0) if opts is not None else None
    if p is not None:
        b.add("indices", "nabu_call_once_subgraph_dangling", put(nabu, p, "i", 99))
        b.add("indices", "nabu_call_once_subgraph_negative", put(nabu, p, "i", -1))
        b.add("indices", "nabu_call_once_subgraph_self", put(nabu, p, "i", 0))
    # the init subgraph emptied
    sv = m.vector(fb.MODEL_SUBGRAPHS)
    b.add("vectors", "nabu_only_first_subgraph", put(nabu, sv[0], "I", 1))
    derive_control_flow(b)
    b.add("misc", "empty_file", b"")
    b.add("misc", "zeros_64", bytes(64))
    b.add("misc", "ident_only", b"\x08\x00\x00\x00TFL3")
    b.add("misc", "random_1k", random.Random("hostile:random").randbytes(1024))
    b.add("misc", "random_1k_with_ident", b"\x10\x00\x00\x00TFL3" + random.Random("r2").randbytes(1016))
    b.add("misc", "root_points_to_itself", b"\x00\x00\x00\x00TFL3" + bytes(24))
    # a table whose vtable is itself (soffset 0) and a vtable claiming a huge table
    b.add("misc", "vtable_is_table", b"\x08\x00\x00\x00TFL3\x00\x00\x00\x00" + bytes(16))
    b.add("misc", "vtable_loop", b"\x0c\x00\x00\x00TFL3\x08\x00\xff\xff\xfc\xff\xff\xff" + bytes(16))


def derive_control_flow(b: Builder) -> None:
    """WHILE / IF whose subgraph indices dangle, are negative or point back at the calling subgraph."""
    for base, case in (("while", "while_counter_accumulate"), ("if", "if_branches")):
        data = bytearray((DATA / "generated" / f"{case}.tflite").read_bytes())
        sgs = fb.root(bytes(data)).tables(fb.MODEL_SUBGRAPHS)
        op = [o for o in sgs[0].tables(fb.SG_OPERATORS) if o.table(fb.OP_OPTIONS) is not None][-1]
        opts = op.table(fb.OP_OPTIONS)
        for fid in (0, 1):
            p = opts.field_pos(fid)
            if p is None:
                continue
            b.add("indices", f"{base}_subgraph{fid}_dangling", put(data, p, "i", 99))
            b.add("indices", f"{base}_subgraph{fid}_negative", put(data, p, "i", -1))
            b.add("indices", f"{base}_subgraph{fid}_self", put(data, p, "i", 0))
            b.add("indices", f"{base}_subgraph{fid}_swapped", put(data, p, "i", 2 - fid if fid else 2),
                  expect="no_crash")


def build_corpus() -> list:
    b = Builder()
    for base, path in BASES.items():
        derive(base, path.read_bytes(), b)
        if base in QUANT_BASES:
            derive_quant(base, path.read_bytes(), b)
    derive_special(b)
    crashes = DATA / "fuzz_crashes"
    if crashes.is_dir():
        for p in sorted(crashes.iterdir()):
            if p.is_file() and not p.name.endswith((".md", ".txt")):
                b.add("fuzz_regressions", p.name, p.read_bytes(), expect="no_crash")
    names = [c[1] for c in b.cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return b.cases
