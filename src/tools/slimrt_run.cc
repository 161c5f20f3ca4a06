// slimrt-run: run a .tflite model on .npy inputs and write its outputs as .npy files.
//
//   slimrt-run MODEL [-o OUTDIR] [--threads N] IN.npy...
//
// The inputs are given in the model's input order; giving K times as many files as the model has
// inputs runs K invokes on the same interpreter (state carries over, as in a stream). Output j of
// invoke k is written to OUTDIR/out_{k*n_outputs+j}.npy (the layout of slim's smoke_child.py).
// No Python, no numpy: used to run slimrt on targets without a CPython (win32) and as a
// command-line tool on every target. Exit codes: 0 ok, 1 model/runtime error, 2 usage or I/O error.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "slimrt.h"

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct NpyType {
  const char* descr;  // little-endian numpy descr
  slimrt::DType dtype;
};

// All supported targets are little-endian; 1-byte types use '|'.
const NpyType kNpyTypes[] = {
    {"<f4", slimrt::DType::kFloat32}, {"<f2", slimrt::DType::kFloat16}, {"<f8", slimrt::DType::kFloat64},
    {"<i4", slimrt::DType::kInt32},   {"<i8", slimrt::DType::kInt64},   {"<i2", slimrt::DType::kInt16},
    {"|i1", slimrt::DType::kInt8},    {"|u1", slimrt::DType::kUInt8},   {"<u2", slimrt::DType::kUInt16},
    {"<u4", slimrt::DType::kUInt32},  {"<u8", slimrt::DType::kUInt64},  {"|b1", slimrt::DType::kBool},
};

const char* descr_of(slimrt::DType t) {
  for (const auto& n : kNpyTypes)
    if (n.dtype == t) return n.descr;
  return nullptr;
}

bool dtype_of(std::string descr, slimrt::DType* out) {
  if (descr.size() == 3 && (descr[0] == '=' || descr[0] == '<' || descr[0] == '|')) {
    for (const auto& n : kNpyTypes) {
      if (descr.substr(1) == n.descr + 1) {
        *out = n.dtype;
        return true;
      }
    }
  }
  return false;
}

struct Npy {
  slimrt::DType dtype;
  slimrt::Shape shape;
  std::vector<uint8_t> data;
};

// The value of 'key' in a .npy header dict such as {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }
std::string header_value(const std::string& h, const std::string& key, const std::string& path) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) throw UsageError(path + ": .npy header has no '" + key + "'");
  size_t c = h.find(':', k);
  size_t b = h.find_first_not_of(' ', c + 1);
  if (c == std::string::npos || b == std::string::npos) throw UsageError(path + ": bad .npy header");
  size_t e;
  if (h[b] == '\'') {
    e = h.find('\'', b + 1);
    return h.substr(b + 1, e - b - 1);
  }
  if (h[b] == '(') {
    e = h.find(')', b);
    return h.substr(b + 1, e - b - 1);
  }
  e = h.find_first_of(",}", b);
  return h.substr(b, e - b);
}

Npy read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError("cannot open " + path);
  std::vector<uint8_t> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (raw.size() < 10 || std::memcmp(raw.data(), "\x93NUMPY", 6) != 0)
    throw UsageError(path + ": not a .npy file");
  int major = raw[6];
  size_t hlen, start;
  if (major == 1) {
    hlen = raw[8] | (size_t(raw[9]) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (raw.size() < 12) throw UsageError(path + ": truncated .npy header");
    hlen = raw[8] | (size_t(raw[9]) << 8) | (size_t(raw[10]) << 16) | (size_t(raw[11]) << 24);
    start = 12;
  } else {
    throw UsageError(path + ": unsupported .npy version " + std::to_string(major));
  }
  if (start + hlen > raw.size()) throw UsageError(path + ": truncated .npy header");
  std::string h(raw.begin() + long(start), raw.begin() + long(start + hlen));
  Npy n;
  std::string descr = header_value(h, "descr", path);
  if (!dtype_of(descr, &n.dtype)) throw UsageError(path + ": unsupported dtype '" + descr + "'");
  if (header_value(h, "fortran_order", path) != "False")
    throw UsageError(path + ": Fortran-ordered arrays are not supported");
  std::stringstream dims(header_value(h, "shape", path));
  std::string d;
  while (std::getline(dims, d, ',')) {
    size_t b = d.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    n.shape.push_back(int32_t(std::strtol(d.c_str() + b, nullptr, 10)));
  }
  size_t need = size_t(slimrt::shape_elements(n.shape, slimrt::dtype_size(n.dtype), path.c_str())) *
                slimrt::dtype_size(n.dtype);
  if (raw.size() - start - hlen < need)
    throw UsageError(path + ": has " + std::to_string(raw.size() - start - hlen) + " data bytes, needs " +
                     std::to_string(need));
  n.data.assign(raw.begin() + long(start + hlen), raw.begin() + long(start + hlen + need));
  return n;
}

void write_npy(const std::string& path, const slimrt::Tensor& t) {
  const char* descr = descr_of(t.type);
  if (!descr) throw slimrt::Error("output " + t.name + ": cannot write dtype " + slimrt::dtype_name(t.type));
  std::string shape = "(";  // numpy's spelling: (), (3,), (1, 3)
  for (size_t i = 0; i < t.shape.size(); ++i) {
    shape += std::to_string(t.shape[i]);
    if (t.shape.size() == 1) shape += ",";
    else if (i + 1 < t.shape.size()) shape += ", ";
  }
  shape += ")";
  std::string h = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h.push_back('\n');
  std::ofstream f(path, std::ios::binary);
  if (!f) throw UsageError("cannot write " + path);
  f.write("\x93NUMPY\x01\x00", 8);
  char len[2] = {char(h.size() & 0xff), char((h.size() >> 8) & 0xff)};
  f.write(len, 2);
  f.write(h.data(), std::streamsize(h.size()));
  size_t bytes = t.required_bytes();
  if (bytes && !t.data) throw slimrt::Error("output " + t.name + " has no data");
  f.write(reinterpret_cast<const char*>(t.data), std::streamsize(bytes));
  if (!f) throw UsageError("error writing " + path);
}

std::string shape_str(const slimrt::Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

int run(int argc, char** argv) {
  std::string model, outdir = ".";
  int threads = 1;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "-o" || a == "--outdir") && i + 1 < argc) {
      outdir = argv[++i];
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "-h" || a == "--help") {
      std::puts("usage: slimrt-run MODEL [-o OUTDIR] [--threads N] IN.npy...\n"
                "Runs MODEL on the inputs (in the model's input order; K times as many files as the\n"
                "model has inputs run K invokes) and writes OUTDIR/out_{k*n_outputs+j}.npy.");
      return 0;
    } else if (model.empty()) {
      model = a;
    } else {
      inputs.push_back(a);
    }
  }
  if (model.empty()) throw UsageError("no model given (slimrt-run MODEL [-o OUTDIR] IN.npy...)");
  auto interp = slimrt::Interpreter::from_file(model, threads);
  interp->allocate_tensors();
  slimrt::Subgraph& g = interp->subgraph(0);
  size_t n_in = g.inputs.size(), n_out = g.outputs.size();
  if (n_in == 0 ? !inputs.empty() : (inputs.empty() || inputs.size() % n_in != 0))
    throw UsageError("the model has " + std::to_string(n_in) + " inputs; got " + std::to_string(inputs.size()) +
                     " .npy files (need a non-zero multiple)");
  size_t invokes = n_in ? inputs.size() / n_in : 1;
  for (size_t k = 0; k < invokes; ++k) {
    for (size_t j = 0; j < n_in; ++j) {
      const std::string& path = inputs[k * n_in + j];
      Npy a = read_npy(path);
      slimrt::Tensor& t = g.tensor(g.inputs[j]);
      if (a.dtype != t.type)
        throw UsageError(path + ": dtype " + slimrt::dtype_name(a.dtype) + ", input " + std::to_string(j) + " (" +
                         t.name + ") is " + slimrt::dtype_name(t.type));
      if (a.shape != t.shape)
        throw UsageError(path + ": shape " + shape_str(a.shape) + ", input " + std::to_string(j) + " (" + t.name +
                         ") is " + shape_str(t.shape));
      std::memcpy(t.data, a.data.data(), a.data.size());
    }
    interp->invoke();
    for (size_t j = 0; j < n_out; ++j) {
      std::string path = outdir + "/out_" + std::to_string(k * n_out + j) + ".npy";
      write_npy(path, g.tensor(g.outputs[j]));
    }
  }
  std::fprintf(stderr, "slimrt-run: %zu invoke(s), %zu outputs each, written to %s\n", invokes, n_out,
               outdir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "slimrt-run: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slimrt-run: error: %s\n", e.what());
    return 1;
  }
}
