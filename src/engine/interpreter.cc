#include <cstdio>
#include <memory>
#include <new>

#ifdef _WIN32
#include <windows.h>
#endif

#include "kernels/threadpool.h"
#include "slimrt.h"

namespace slimrt {

Interpreter::Interpreter(std::vector<uint8_t> model_bytes, int num_threads) {
  try {
    model_ = parse_model(std::move(model_bytes));
    for (size_t i = 0; i < model_->subgraphs.size(); ++i)
      subgraphs_.emplace_back(new Subgraph(*this, model_->subgraphs[i], int(i)));
  } catch (const std::bad_alloc&) {
    throw Error("cannot load the model: out of memory (its variables or tensors are too large)");
  }
  called_once_.assign(subgraphs_.size(), false);
  pool_.reset(new ThreadPool(num_threads > 0 ? num_threads : 1));
}

Interpreter::~Interpreter() = default;

namespace {

// Opens a file for binary reading; the path is UTF-8 on every platform (Windows: converted to UTF-16).
// stdio rather than <fstream>: a static libc++ (zig) would otherwise bring its whole locale machinery along.
std::FILE* open_binary(const std::string& path) {
#ifdef _WIN32
  const int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path.c_str(), -1, nullptr, 0);
  if (n <= 0) return nullptr;
  std::wstring wide(size_t(n), L'\0');
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path.c_str(), -1, &wide[0], n);
  return _wfopen(wide.c_str(), L"rb");
#else
  return std::fopen(path.c_str(), "rb");
#endif
}

}  // namespace

std::unique_ptr<Interpreter> Interpreter::from_file(const std::string& path, int num_threads) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(open_binary(path), &std::fclose);
  if (!f) throw Error(cat("cannot open model file '", path, "'"));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  for (size_t got; (got = std::fread(chunk, 1, sizeof chunk, f.get())) > 0;) {
    bytes.insert(bytes.end(), chunk, chunk + got);
    // A .tflite flatbuffer cannot exceed 2 GiB; also stops on endless files such as /dev/zero.
    if (bytes.size() > (size_t(1) << 31)) throw Error(cat("model file '", path, "' is larger than 2 GiB"));
  }
  if (std::ferror(f.get())) throw Error(cat("cannot read model file '", path, "'"));
  return std::unique_ptr<Interpreter>(new Interpreter(std::move(bytes), num_threads));
}

Subgraph& Interpreter::subgraph(int i) {
  if (i < 0 || i >= num_subgraphs())
    throw Error(cat("subgraph index ", i, " is out of range (the model has ", num_subgraphs(), ")"));
  return *subgraphs_[size_t(i)];
}

int Interpreter::num_threads() const { return pool_->size(); }

void Interpreter::allocate_tensors(int i) { subgraph(i).allocate(); }

void Interpreter::invoke(int i) {
  Subgraph& g = subgraph(i);
  if (profiling_) {
    g.invoke(&timings_);
  } else {
    g.invoke(nullptr);
  }
}

void Interpreter::reset_variables() {
  for (auto& g : subgraphs_) g->reset_variables();
}

int Interpreter::resource_id(const std::string& container, const std::string& shared_name) {
  auto key = std::make_pair(container, shared_name);
  auto it = resource_ids_.find(key);
  if (it != resource_ids_.end()) return it->second;
  int id = int(resource_ids_.size());
  resource_ids_[key] = id;
  return id;
}

Tensor* Interpreter::resource(int id) {
  auto it = resources_.find(id);
  return it == resources_.end() ? nullptr : &it->second;
}

Tensor& Interpreter::assign_resource(int id) { return resources_[id]; }

bool Interpreter::first_call(int i) {
  subgraph(i);  // range check
  if (called_once_[size_t(i)]) return false;
  called_once_[size_t(i)] = true;
  return true;
}

}  // namespace slimrt
