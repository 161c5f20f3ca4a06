// Reads a .tflite FlatBuffer into the plain structs of model.h, verifying everything it reads.
#include "model.h"

#include <cstring>

namespace slimrt {

namespace {

// Field ids of the .tflite schema tables we read.
namespace F {
enum Model { kVersion = 0, kOperatorCodes = 1, kSubgraphs = 2, kDescription = 3, kBuffers = 4, kSignatureDefs = 7 };
enum OpCode { kDeprecatedBuiltin = 0, kCustomCode = 1, kOpVersion = 2, kBuiltinCode = 3 };
enum SubGraph { kTensors = 0, kInputs = 1, kOutputs = 2, kOperators = 3, kName = 4 };
enum Tensor { kShape = 0, kType = 1, kBuffer = 2, kTensorName = 3, kQuantization = 4, kIsVariable = 5,
              kSparsity = 6, kShapeSignature = 7 };
enum Quant { kScale = 2, kZeroPoint = 3, kQuantizedDimension = 6 };
enum Operator { kOpcodeIndex = 0, kOpInputs = 1, kOpOutputs = 2, kOptionsType = 3, kOptions = 4,
                kCustomOptions = 5, kIntermediates = 8 };
enum Sparsity { kTraversalOrder = 0, kBlockMap = 1, kDimMetadata = 2 };
enum DimMeta { kFormat = 0, kDenseSize = 1, kSegmentsType = 2, kSegments = 3, kIndicesType = 4, kIndices = 5 };
enum Buffer { kData = 0, kOffset = 1, kSize = 2 };
enum Signature { kSigInputs = 0, kSigOutputs = 1, kSigKey = 2, kSigSubgraph = 4 };
enum TensorMap { kMapName = 0, kMapTensorIndex = 1 };
}  // namespace F

const int32_t kMaxTensors = 1 << 24;

std::vector<int32_t> index_list(const fb::Table& t, int id, const char* what, int32_t count, bool allow_absent) {
  fb::Vector<int32_t> v = t.vec<int32_t>(id, what);
  std::vector<int32_t> out = v.to_vector<int32_t>();
  for (int32_t i : out) {
    if ((i == -1 && allow_absent) || (i >= 0 && i < count)) continue;
    throw Error(cat("malformed model: ", what, " refers to tensor ", i, " but the subgraph has ", count, " tensors"));
  }
  return out;
}

Shape read_shape(const fb::Table& t, int id, const char* what, bool allow_unknown) {
  Shape s = t.vec<int32_t>(id, what).to_vector<int32_t>();
  if (s.size() > 64) throw Error(cat("malformed model: ", what, " has rank ", s.size()));
  for (int32_t d : s)
    if (d < 0 && !(allow_unknown && d == -1))
      throw Error(cat("malformed model: ", what, " has a negative dimension: ", s));
  return s;
}

// An index vector of a sparse dimension (union SparseIndexVector: Int32Vector = 1, Uint16Vector = 2, Uint8Vector = 3,
// each a table with the values at field 0).
std::vector<int32_t> sparse_index_vector(const fb::Table& dm, int type_field, int field, const std::string& what) {
  const uint8_t type = dm.get<uint8_t>(type_field, 0);
  fb::Table v = dm.table(field, "sparse index vector");
  if (type == 1) {
    std::vector<int32_t> out = v.vec<int32_t>(0, "sparse index vector").to_vector<int32_t>();
    for (int32_t x : out)
      if (x < 0) throw Error(cat("malformed model: ", what, ": negative sparse index ", x));
    return out;
  }
  if (type == 2) return v.vec<uint16_t>(0, "sparse index vector").to_vector<int32_t>();
  if (type == 3) return v.vec<uint8_t>(0, "sparse index vector").to_vector<int32_t>();
  throw Error(cat("malformed model: ", what, ": unknown sparse index vector type ", int(type)));
}

// Reads and verifies a tensor's sparsity: every level consistent with the shape, every segment and index in range,
// so that DENSIFY (and any op reading sparse weights) can walk it without further checks.
std::shared_ptr<const Sparsity> read_sparsity(const fb::Table& sp, const Shape& shape, const std::string& what) {
  auto bad = [&](const std::string& why) { return Error(cat("malformed model: ", what, ": sparsity ", why)); };
  auto sv = std::make_shared<Sparsity>();
  Sparsity& s = *sv;
  s.traversal_order = sp.vec<int32_t>(F::kTraversalOrder, "sparsity traversal order").to_vector<int32_t>();
  s.block_map = sp.vec<int32_t>(F::kBlockMap, "sparsity block map").to_vector<int32_t>();
  fb::TableVector dims = sp.tables(F::kDimMetadata, "sparsity dimension metadata");
  const size_t rank = shape.size(), n = rank + s.block_map.size();
  if (s.traversal_order.size() != n || dims.size() != n)
    throw bad(cat("has ", s.traversal_order.size(), " traversal entries and ", dims.size(),
                  " dimension entries for ", rank, " dimensions and ", s.block_map.size(), " blocks"));
  std::vector<char> seen(n, 0);
  for (int32_t d : s.traversal_order) {
    if (d < 0 || size_t(d) >= n || seen[size_t(d)]) throw bad(cat("traversal order ", s.traversal_order, " is not a permutation"));
    seen[size_t(d)] = 1;
  }
  std::vector<char> blocked(rank, 0);
  for (int32_t d : s.block_map) {
    if (d < 0 || size_t(d) >= rank || blocked[size_t(d)]) throw bad(cat("block map ", s.block_map, " is invalid"));
    blocked[size_t(d)] = 1;
  }
  // Level i walks expanded dimension traversal_order[i]; block sizes are the dense sizes of the block levels.
  std::vector<int32_t> level_of(n, 0);
  for (size_t i = 0; i < n; ++i) level_of[size_t(s.traversal_order[i])] = int32_t(i);
  s.expanded.assign(n, 0);
  for (size_t k = 0; k < s.block_map.size(); ++k) {
    fb::Table dm = dims[uint32_t(level_of[rank + k])];
    const int32_t bs = dm.get<int32_t>(F::kDenseSize, 0);
    const int32_t d = s.block_map[k];
    if (dm.get<int8_t>(F::kFormat, 0) != 0 || bs <= 0 || shape[size_t(d)] % bs != 0)
      throw bad(cat("block size ", bs, " does not divide dimension ", d, " of shape ", shape));
    s.expanded[rank + k] = bs;
    s.expanded[size_t(d)] = shape[size_t(d)] / bs;
  }
  for (size_t d = 0; d < rank; ++d)
    if (!blocked[d]) s.expanded[d] = shape[d];
  const int64_t dense = shape_elements(shape);
  int64_t positions = 1;
  s.levels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    fb::Table dm = dims[uint32_t(i)];
    Sparsity::Level& lv = s.levels[i];
    lv.size = s.expanded[size_t(s.traversal_order[i])];
    const int8_t format = dm.get<int8_t>(F::kFormat, 0);
    if (format == 0) {
      const int32_t ds = dm.get<int32_t>(F::kDenseSize, 0);
      if (ds != lv.size) throw bad(cat("level ", i, " has dense size ", ds, ", expected ", lv.size));
      positions *= lv.size;
    } else if (format == 1) {
      lv.sparse = true;
      lv.segments = sparse_index_vector(dm, F::kSegmentsType, F::kSegments, what);
      lv.indices = sparse_index_vector(dm, F::kIndicesType, F::kIndices, what);
      if (int64_t(lv.segments.size()) != positions + 1 || lv.segments[0] != 0)
        throw bad(cat("level ", i, " has ", lv.segments.size(), " segments for ", positions, " positions"));
      for (size_t k = 1; k < lv.segments.size(); ++k)
        if (lv.segments[k] < lv.segments[k - 1] || int64_t(lv.segments[k]) - lv.segments[k - 1] > lv.size)
          throw bad(cat("level ", i, " has an invalid segment at ", k));
      positions = lv.segments.back();
      if (int64_t(lv.indices.size()) != positions) throw bad(cat("level ", i, " has ", lv.indices.size(), " indices, expected ", positions));
      for (int32_t x : lv.indices)
        if (x >= lv.size) throw bad(cat("level ", i, " has index ", x, " outside 0..", lv.size - 1));
    } else {
      throw bad(cat("level ", i, " has unknown format ", int(format)));
    }
    if (positions > dense) throw bad(cat("stores more values than the dense tensor has"));
  }
  s.values = positions;
  return sv;
}

TensorDef read_tensor(const fb::Table& t, const Model& m, const std::string& where) {
  TensorDef td;
  td.name = t.str(F::kTensorName, "tensor name");
  std::string what = where + " '" + td.name + "'";
  td.shape = read_shape(t, F::kShape, "tensor shape", false);
  if (t.has(F::kShapeSignature)) {
    td.shape_signature = read_shape(t, F::kShapeSignature, "tensor shape_signature", true);
    if (td.shape_signature.size() != td.shape.size())
      throw Error(cat("malformed model: ", what, ": shape_signature rank differs from shape rank"));
  } else {
    td.shape_signature = td.shape;
  }
  int8_t type = t.get<int8_t>(F::kType, 0);
  if (!dtype_known(type)) throw Error(cat("malformed model: ", what, " has unknown tensor type ", int(type)));
  td.type = DType(type);
  td.buffer = t.get<uint32_t>(F::kBuffer, 0);
  if (td.buffer >= m.buffers.size())
    throw Error(cat("malformed model: ", what, " refers to buffer ", td.buffer, " but the model has ",
                    m.buffers.size(), " buffers"));
  td.is_variable = t.get<uint8_t>(F::kIsVariable, 0) != 0;
  fb::Table sp = t.table(F::kSparsity, "tensor sparsity");
  if (sp.valid()) {
    td.sparse = true;
    td.sparsity = read_sparsity(sp, td.shape, what);
  }

  fb::Table q = t.table(F::kQuantization, "quantization parameters");
  if (q.valid()) {
    td.quant.scale = q.vec<float>(F::kScale, "quantization scale").to_vector<float>();
    td.quant.zero_point = q.vec<int64_t>(F::kZeroPoint, "quantization zero_point").to_vector<int64_t>();
    td.quant.quantized_dimension = q.get<int32_t>(F::kQuantizedDimension, 0);
    if (!td.quant.scale.empty()) {
      size_t n = td.quant.scale.size();
      if (!td.quant.zero_point.empty() && td.quant.zero_point.size() != n)
        throw Error(cat("malformed model: ", what, ": ", n, " quantization scales but ",
                        td.quant.zero_point.size(), " zero points"));
      if (td.quant.zero_point.empty()) td.quant.zero_point.assign(n, 0);
      if (n > 1) {
        int32_t qd = td.quant.quantized_dimension;
        if (qd < 0 || size_t(qd) >= td.shape.size() || size_t(td.shape[size_t(qd)]) != n)
          throw Error(cat("malformed model: ", what, ": per-channel quantization over dimension ", qd,
                          " with ", n, " scales does not match shape ", td.shape));
      }
    }
  }

  // A constant buffer must hold exactly the tensor's bytes (types with a fixed element size): the dense elements,
  // or for a sparse tensor the values its sparsity stores.
  const BufferDef& b = m.buffers[td.buffer];
  size_t esize = dtype_size(td.type);
  int64_t elems = shape_elements(td.shape, esize, what.c_str());
  if (td.sparse) elems = td.sparsity->values;
  if (b.size != 0 && esize != 0 && uint64_t(elems) * esize != b.size)
    throw Error(cat("malformed model: ", what, " (", dtype_name(td.type), " ", td.shape, ") needs ",
                    uint64_t(elems) * esize, " bytes but its buffer ", td.buffer, " has ", b.size));
  return td;
}

}  // namespace

std::unique_ptr<Model> parse_model(std::vector<uint8_t> bytes) {
  std::unique_ptr<Model> m(new Model());
  m->bytes = std::move(bytes);
  fb::Bytes b{m->bytes.data(), m->bytes.size()};
  if (b.size < 8) throw Error(cat("not a TFLite model: only ", b.size, " bytes"));
  if (std::memcmp(b.data + 4, "TFL3", 4) != 0)
    throw Error("not a TFLite model: the file identifier is not 'TFL3'");

  fb::Table root = fb::Table::at_offset(b, 0, "model");
  m->version = root.get<uint32_t>(F::kVersion, 0);
  m->description = root.str(F::kDescription, "model description");

  // Buffers first: tensors refer to them.
  fb::TableVector buffers = root.tables(F::kBuffers, "buffers");
  m->buffers.resize(buffers.size());
  for (uint32_t i = 0; i < buffers.size(); ++i) {
    fb::Table bt = buffers[i];
    BufferDef& bd = m->buffers[i];
    fb::Vector<uint8_t> data = bt.vec<uint8_t>(F::kData, "buffer data");
    if (!data.empty()) {
      bd.data = data.raw();
      bd.size = data.size();
    } else {
      uint64_t off = bt.get<uint64_t>(F::kOffset, 0), size = bt.get<uint64_t>(F::kSize, 0);
      if (off > 1 && size > 0) {  // data stored after the FlatBuffer (models over 2 GB); offset from file start
        if (off > b.size || size > b.size - off)
          throw Error(cat("malformed model: buffer ", i, " points past the end of the file"));
        bd.data = b.data + off;
        bd.size = size_t(size);
      }
    }
  }
  if (m->buffers.empty()) m->buffers.resize(1);  // buffer 0 is the conventional "no data" buffer

  fb::TableVector codes = root.tables(F::kOperatorCodes, "operator codes");
  m->opcodes.resize(codes.size());
  for (uint32_t i = 0; i < codes.size(); ++i) {
    fb::Table c = codes[i];
    OperatorCode& oc = m->opcodes[i];
    int32_t deprecated = c.get<int8_t>(F::kDeprecatedBuiltin, 0);
    int32_t code = c.get<int32_t>(F::kBuiltinCode, 0);
    oc.builtin = code > deprecated ? code : deprecated;
    if (oc.builtin < 0) throw Error(cat("malformed model: operator code ", i, " is negative"));
    oc.custom = c.str(F::kCustomCode, "custom op code");
    oc.version = c.get<int32_t>(F::kOpVersion, 1);
  }

  fb::TableVector sgs = root.tables(F::kSubgraphs, "subgraphs");
  if (sgs.size() == 0) throw Error("malformed model: no subgraphs");
  m->subgraphs.resize(sgs.size());
  for (uint32_t s = 0; s < sgs.size(); ++s) {
    fb::Table st = sgs[s];
    SubgraphDef& sd = m->subgraphs[s];
    sd.name = st.str(F::kName, "subgraph name");
    fb::TableVector tensors = st.tables(F::kTensors, "tensors");
    if (tensors.size() > uint32_t(kMaxTensors)) throw Error("malformed model: too many tensors");
    int32_t nt = int32_t(tensors.size());
    sd.tensors.reserve(size_t(nt));
    for (int32_t t = 0; t < nt; ++t) sd.tensors.push_back(read_tensor(tensors[uint32_t(t)], *m, cat("tensor ", t)));
    sd.inputs = index_list(st, F::kInputs, "subgraph inputs", nt, false);
    sd.outputs = index_list(st, F::kOutputs, "subgraph outputs", nt, false);
    fb::TableVector ops = st.tables(F::kOperators, "operators");
    sd.operators.resize(ops.size());
    for (uint32_t o = 0; o < ops.size(); ++o) {
      fb::Table ot = ops[o];
      OperatorDef& od = sd.operators[o];
      od.opcode = ot.get<uint32_t>(F::kOpcodeIndex, 0);
      if (od.opcode >= m->opcodes.size())
        throw Error(cat("malformed model: operator ", o, " uses opcode ", od.opcode, " but the model has ",
                        m->opcodes.size(), " opcodes"));
      od.inputs = index_list(ot, F::kOpInputs, "operator inputs", nt, true);
      od.outputs = index_list(ot, F::kOpOutputs, "operator outputs", nt, false);
      od.intermediates = index_list(ot, F::kIntermediates, "operator intermediates", nt, true);
      od.options_type = ot.get<uint8_t>(F::kOptionsType, 0);
      od.options = ot.table(F::kOptions, "operator options");
      fb::Vector<uint8_t> co = ot.vec<uint8_t>(F::kCustomOptions, "custom options");
      od.custom_options = fb::Bytes{co.empty() ? nullptr : co.raw(), co.size()};
    }
  }

  fb::TableVector sigs = root.tables(F::kSignatureDefs, "signature defs");
  m->signatures.resize(sigs.size());
  for (uint32_t i = 0; i < sigs.size(); ++i) {
    fb::Table st = sigs[i];
    SignatureDef& sd = m->signatures[i];
    sd.key = st.str(F::kSigKey, "signature key");
    sd.subgraph = st.get<uint32_t>(F::kSigSubgraph, 0);
    if (sd.subgraph >= m->subgraphs.size())
      throw Error(cat("malformed model: signature '", sd.key, "' refers to subgraph ", sd.subgraph));
    size_t nt = m->subgraphs[sd.subgraph].tensors.size();
    for (int which = 0; which < 2; ++which) {
      fb::TableVector maps = st.tables(which ? F::kSigOutputs : F::kSigInputs, "signature tensor map");
      auto& dst = which ? sd.outputs : sd.inputs;
      for (uint32_t k = 0; k < maps.size(); ++k) {
        fb::Table mt = maps[k];
        uint32_t idx = mt.get<uint32_t>(F::kMapTensorIndex, 0);
        if (idx >= nt) throw Error(cat("malformed model: signature '", sd.key, "' refers to tensor ", idx));
        dst.emplace_back(mt.str(F::kMapName, "signature tensor name"), int32_t(idx));
      }
    }
  }
  return m;
}

}  // namespace slimrt
