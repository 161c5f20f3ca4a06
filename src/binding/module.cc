// _slimrt: the thin pybind11 layer over the engine. The public API (slimrt.interpreter.Interpreter) is Python
// code on top of this; nothing here needs numpy: tensors cross through the buffer protocol.
#include <pybind11/pybind11.h>

#include <cstring>

#include "slimrt.h"

namespace py = pybind11;
using slimrt::DType;
using slimrt::Error;

namespace {

std::string buffer_format(DType t) {
  switch (t) {
    case DType::kFloat32: return "f";
    case DType::kFloat16: return "e";
    case DType::kInt32: case DType::kResource: return "i";
    case DType::kUInt8: return "B";
    case DType::kInt64: return "q";
    case DType::kBool: return "?";
    case DType::kInt16: return "h";
    case DType::kInt8: return "b";
    case DType::kFloat64: return "d";
    case DType::kUInt64: return "Q";
    case DType::kUInt32: return "I";
    case DType::kUInt16: return "H";
    case DType::kComplex64: return "Zf";
    case DType::kComplex128: return "Zd";
    default: throw Error(slimrt::cat("tensors of type ", slimrt::dtype_name(t), " cannot be read or written from Python"));
  }
}

struct Engine {
  std::unique_ptr<slimrt::Interpreter> it;

  slimrt::Tensor& tensor(int sg, int i) { return it->subgraph(sg).tensor(i); }
  slimrt::Tensor& tensor_with_data(int sg, int i) {
    slimrt::Tensor& t = tensor(sg, i);
    if (!t.data && t.required_bytes() > 0)
      throw Error(slimrt::cat("tensor ", i, " ('", t.name, "') has no data: call allocate_tensors() first"));
    return t;
  }
};

// A buffer-protocol view of one tensor's memory. It keeps the engine alive while any view of it exists.
struct TensorBuffer {
  py::object owner;
  Engine* engine;
  int sg, index;
};

// Explicit conversions instead of pybind11/stl.h: its casters cost code size per element type.
template <class T>
py::tuple to_tuple(const std::vector<T>& v) {
  py::tuple out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = py::cast(v[i]);
  return out;
}

slimrt::Shape to_shape(const py::sequence& seq) {
  slimrt::Shape s;
  for (py::handle h : seq) s.push_back(h.cast<int32_t>());
  return s;
}

py::tuple tensor_info(Engine& e, int sg, int i) {
  slimrt::Tensor& t = e.tensor(sg, i);
  return py::make_tuple(t.name, int(t.type), to_tuple(t.shape), to_tuple(t.shape_signature), to_tuple(t.quant.scale),
                        to_tuple(t.quant.zero_point), t.quant.quantized_dimension, t.sparse, t.data != nullptr);
}

py::tuple subgraph_info(Engine& e, int sg) {
  slimrt::Subgraph& g = e.it->subgraph(sg);
  return py::make_tuple(g.name(), to_tuple(g.inputs), to_tuple(g.outputs), g.tensors.size(), g.allocated(),
                        g.arena_bytes());
}

py::tuple tensor_map(const std::vector<std::pair<std::string, int32_t>>& m) {
  py::tuple out(m.size());
  for (size_t i = 0; i < m.size(); ++i) out[i] = py::make_tuple(m[i].first, m[i].second);
  return out;
}

}  // namespace

#if defined(_LIBCPP_VERSION)
// With libc++ linked statically (the zig builds), pybind11's use of __cxa_demangle, only to pretty-print C++
// type names in its internal error messages, brings in libc++abi's whole demangler (~50 KB). This definition
// takes its place inside the module: demangling "fails" (status -2, invalid name), so pybind11 keeps the raw
// type name. Nothing else in the module demangles; builds against a shared C++ library are unaffected.
extern "C" char* __cxa_demangle(const char*, char*, size_t*, int* status) {
  if (status) *status = -2;
  return nullptr;
}
#endif

PYBIND11_MODULE(_slimrt, m) {
  m.doc() = "slimrt engine binding (use slimrt.interpreter.Interpreter)";
  py::register_exception<Error>(m, "SlimrtError", PyExc_ValueError);
  m.def("registered_ops", [] {
    py::list out;
    for (const slimrt::OpDef& d : slimrt::builtin_ops().defs())
      out.append(py::make_tuple(d.custom ? std::string(d.custom) : std::string(d.name), d.builtin,
                                d.input_type == slimrt::kAnyType ? "any" : slimrt::dtype_name(d.input_type),
                                d.max_version, d.custom != nullptr));
    return out;
  });

  py::class_<TensorBuffer>(m, "TensorBuffer", py::buffer_protocol())
      .def_buffer([](TensorBuffer& b) {
        slimrt::Tensor& t = b.engine->tensor_with_data(b.sg, b.index);
        std::vector<py::ssize_t> shape(t.shape.begin(), t.shape.end()), strides(shape.size());
        py::ssize_t item = py::ssize_t(slimrt::dtype_size(t.type)), stride = item;
        for (size_t k = shape.size(); k-- > 0;) {
          strides[k] = stride;
          stride *= shape[k];
        }
        return py::buffer_info(t.data, item, buffer_format(t.type), py::ssize_t(shape.size()), shape, strides);
      });

  py::class_<Engine>(m, "Engine")
      .def(py::init([](py::buffer content, int threads) {
             py::buffer_info info = content.request();
             const uint8_t* p = static_cast<const uint8_t*>(info.ptr);
             std::vector<uint8_t> bytes(p, p + info.size * info.itemsize);
             Engine e;
             e.it.reset(new slimrt::Interpreter(std::move(bytes), threads));
             return e;
           }),
           py::arg("content"), py::arg("num_threads") = 1)
      .def_static("from_file", [](const std::string& path, int threads) {
             Engine e;
             e.it = slimrt::Interpreter::from_file(path, threads);
             return e;
           })
      .def_property_readonly("num_subgraphs", [](Engine& e) { return e.it->num_subgraphs(); })
      .def_property_readonly("num_threads", [](Engine& e) { return e.it->num_threads(); })
      .def("subgraph_info", &subgraph_info, "(name, inputs, outputs, num_tensors, allocated, arena_bytes)")
      .def("tensor_info", &tensor_info,
           "(name, type, shape, shape_signature, scales, zero_points, quantized_dimension, sparse, has_data)")
      .def("resize_input", [](Engine& e, int sg, int i, py::sequence s) { e.it->subgraph(sg).resize_input(i, to_shape(s)); })
      .def("allocate", [](Engine& e, int sg) { e.it->allocate_tensors(sg); })
      .def("invoke", [](Engine& e, int sg) {
        py::gil_scoped_release release;
        try {
          e.it->invoke(sg);
        } catch (const Error& err) {
          throw std::runtime_error(err.what());  // failures while running are RuntimeError, as in TFLite
        }
      })
      .def("reset_variables", [](Engine& e) { e.it->reset_variables(); })
      .def("set_tensor", [](Engine& e, int sg, int i, py::buffer value) {
        slimrt::Tensor& t = e.tensor_with_data(sg, i);
        py::buffer_info info = value.request();
        size_t n = size_t(info.size) * size_t(info.itemsize);
        if (n != t.required_bytes())
          throw Error(slimrt::cat("cannot set tensor ", i, " ('", t.name, "'): got ", n, " bytes, expected ",
                          t.required_bytes()));
        if (n) std::memcpy(t.data, info.ptr, n);
      })
      .def("buffer", [](py::object self, int sg, int i) {
        Engine& e = self.cast<Engine&>();
        e.tensor_with_data(sg, i);
        return TensorBuffer{self, &e, sg, i};
      })
      .def("ops", [](Engine& e, int sg) {
        py::list out;
        slimrt::Subgraph& g = e.it->subgraph(sg);
        const slimrt::Model& m = e.it->model();
        for (const slimrt::Node& n : g.nodes) {
          const slimrt::OperatorCode& code = m.opcodes[m.subgraphs[size_t(sg)].operators[size_t(n.index)].opcode];
          std::string name = n.builtin == slimrt::op::CUSTOM ? code.custom : slimrt::builtin_op_name(n.builtin);
          out.append(py::make_tuple(n.index, name, to_tuple(n.inputs), to_tuple(n.outputs), n.version));
        }
        return out;
      })
      .def("signatures", [](Engine& e) {
        py::list out;
        for (const slimrt::SignatureDef& s : e.it->model().signatures)
          out.append(py::make_tuple(s.key, s.subgraph, tensor_map(s.inputs), tensor_map(s.outputs)));
        return out;
      })
      .def("set_profiling", [](Engine& e, bool on) { e.it->set_profiling(on); })
      .def("set_preserve_all_tensors", [](Engine& e, bool on) { e.it->set_preserve_all_tensors(on); })
      .def("timings", [](Engine& e) {
        py::list out;
        for (const slimrt::OpTiming& t : e.it->timings()) out.append(py::make_tuple(t.subgraph, t.node, t.op, t.seconds));
        return out;
      });
}
