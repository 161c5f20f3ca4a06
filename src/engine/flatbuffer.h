// A bounds-checked, read-only view of FlatBuffer data (the encoding of .tflite files).
//
// Every read checks its offset and length against the buffer before touching memory, and every failure throws
// slimrt::Error ("malformed model: ..."). Reads go through memcpy, so unaligned data is fine on every target.
// Only what the .tflite schema needs is here: tables, scalars, strings, vectors of scalars and of tables.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "error.h"

namespace slimrt {
namespace fb {

struct Bytes {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

[[noreturn]] inline void malformed(const char* what, const char* detail) {
  throw Error(cat("malformed model: ", what, ": ", detail));
}

template <class T>
inline T load(const Bytes& b, uint64_t pos, const char* what) {
  if (pos > b.size || b.size - pos < sizeof(T)) malformed(what, "offset out of bounds");
  T v;
  std::memcpy(&v, b.data + pos, sizeof(T));
  return v;
}

// A vector of fixed-size scalars inside the buffer (element count already checked against the buffer size).
template <class T>
class Vector {
 public:
  Vector() = default;
  Vector(const Bytes& b, uint64_t pos, uint32_t n) : b_(b), pos_(pos), n_(n) {}
  uint32_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  T operator[](uint32_t i) const {
    if (i >= n_) throw Error("internal error: vector index out of range");
    T v;
    std::memcpy(&v, b_.data + pos_ + uint64_t(i) * sizeof(T), sizeof(T));
    return v;
  }
  const uint8_t* raw() const { return b_.data + pos_; }
  template <class U>
  std::vector<U> to_vector() const {
    std::vector<U> out(n_);
    for (uint32_t i = 0; i < n_; ++i) out[i] = static_cast<U>((*this)[i]);
    return out;
  }

 private:
  Bytes b_;
  uint64_t pos_ = 0;
  uint32_t n_ = 0;
};

class Table;

// A vector of offsets to tables.
class TableVector {
 public:
  TableVector() = default;
  TableVector(const Bytes& b, uint64_t pos, uint32_t n, const char* what) : b_(b), pos_(pos), n_(n), what_(what) {}
  uint32_t size() const { return n_; }
  inline Table operator[](uint32_t i) const;

 private:
  Bytes b_;
  uint64_t pos_ = 0;
  uint32_t n_ = 0;
  const char* what_ = "";
};

class Table {
 public:
  Table() = default;  // an absent table: valid() == false, every field reads as its default

  // The table that the uoffset at `ref` points to.
  static Table at_offset(const Bytes& b, uint64_t ref, const char* what) {
    uint64_t pos = ref + load<uint32_t>(b, ref, what);
    return Table(b, pos, what);
  }

  Table(const Bytes& b, uint64_t pos, const char* what) : b_(b), pos_(pos), what_(what) {
    int32_t soff = load<int32_t>(b, pos, what);
    int64_t vt = int64_t(pos) - int64_t(soff);
    if (vt < 0 || uint64_t(vt) >= b.size) malformed(what, "vtable offset out of bounds");
    vt_ = uint64_t(vt);
    vt_size_ = load<uint16_t>(b, vt_, what);
    table_size_ = load<uint16_t>(b, vt_ + 2, what);
    if (vt_size_ < 4 || (vt_size_ & 1)) malformed(what, "bad vtable size");
    if (vt_ + vt_size_ > b.size) malformed(what, "vtable extends past the end of the file");
    if (table_size_ < 4 || pos + table_size_ > b.size) malformed(what, "table extends past the end of the file");
    valid_ = true;
  }

  bool valid() const { return valid_; }
  const char* what() const { return what_; }

  // Absolute position of field `id`, or 0 when the field is absent. Checks the field lies inside the table.
  uint64_t field(int id, size_t width) const {
    if (!valid_) return 0;
    uint64_t slot = 4 + 2 * uint64_t(id);
    if (slot + 2 > vt_size_) return 0;
    uint16_t off = load<uint16_t>(b_, vt_ + slot, what_);
    if (off == 0) return 0;
    if (uint64_t(off) + width > table_size_) malformed(what_, "field extends past its table");
    return pos_ + off;
  }

  template <class T>
  T get(int id, T def) const {
    uint64_t p = field(id, sizeof(T));
    return p ? load<T>(b_, p, what_) : def;
  }
  bool has(int id) const { return field(id, 1) != 0; }

  Table table(int id, const char* what) const {
    uint64_t p = field(id, 4);
    return p ? Table::at_offset(b_, p, what) : Table();
  }

  // Position of the vector's first element and its length, checked to fit `elem` bytes per element.
  bool vector_span(int id, size_t elem, const char* what, uint64_t* start, uint32_t* n) const {
    uint64_t p = field(id, 4);
    if (!p) return false;
    uint64_t vpos = p + load<uint32_t>(b_, p, what);
    uint32_t len = load<uint32_t>(b_, vpos, what);
    uint64_t bytes = uint64_t(len) * elem;
    if (vpos + 4 > b_.size || bytes > b_.size - vpos - 4) malformed(what, "vector extends past the end of the file");
    *start = vpos + 4;
    *n = len;
    return true;
  }

  template <class T>
  Vector<T> vec(int id, const char* what) const {
    uint64_t s;
    uint32_t n;
    if (!vector_span(id, sizeof(T), what, &s, &n)) return Vector<T>();
    return Vector<T>(b_, s, n);
  }

  TableVector tables(int id, const char* what) const {
    uint64_t s;
    uint32_t n;
    if (!vector_span(id, 4, what, &s, &n)) return TableVector();
    return TableVector(b_, s, n, what);
  }

  std::string str(int id, const char* what) const {
    uint64_t s;
    uint32_t n;
    if (!vector_span(id, 1, what, &s, &n)) return std::string();
    return std::string(reinterpret_cast<const char*>(b_.data + s), n);
  }

 private:
  Bytes b_;
  uint64_t pos_ = 0, vt_ = 0;
  uint16_t vt_size_ = 0, table_size_ = 0;
  const char* what_ = "";
  bool valid_ = false;
};

inline Table TableVector::operator[](uint32_t i) const {
  if (i >= n_) throw Error("internal error: table index out of range");
  return Table::at_offset(b_, pos_ + uint64_t(i) * 4, what_);
}

}  // namespace fb
}  // namespace slimrt
