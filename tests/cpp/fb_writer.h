// A minimal FlatBuffer writer for test models: builds a tree of tables, vectors and strings in memory, then lays it
// out front to back (every object is written before its children, so every uoffset points forward as the format
// requires; each table's vtable directly precedes it). Only what the .tflite schema needs. Test code only.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace fbw {

struct Node;
using NodeP = std::shared_ptr<Node>;

struct Field {
  int id = 0;
  int size = 0;          // scalar bytes (1, 2, 4, 8); 0 = offset to `child`
  uint64_t bits = 0;     // scalar value bits
  NodeP child;
};

struct Node {
  enum Kind { kTable, kScalarVector, kTableVector, kString } kind = kTable;
  std::vector<Field> fields;          // kTable
  std::vector<uint8_t> bytes;         // kScalarVector / kString payload
  int elem_size = 1;                  // kScalarVector
  std::vector<NodeP> children;        // kTableVector
};

inline NodeP table() { return std::make_shared<Node>(); }

template <class T>
NodeP vec(const std::vector<T>& v) {
  auto n = std::make_shared<Node>();
  n->kind = Node::kScalarVector;
  n->elem_size = int(sizeof(T));
  n->bytes.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(n->bytes.data(), v.data(), n->bytes.size());
  return n;
}

inline NodeP bytes_vec(const std::vector<uint8_t>& b) { return vec(b); }

inline NodeP str(const std::string& s) {
  auto n = std::make_shared<Node>();
  n->kind = Node::kString;
  n->bytes.assign(s.begin(), s.end());
  return n;
}

inline NodeP tables(std::vector<NodeP> ts) {
  auto n = std::make_shared<Node>();
  n->kind = Node::kTableVector;
  n->children = std::move(ts);
  return n;
}

template <class T>
void scalar(const NodeP& t, int id, T v) {
  Field f;
  f.id = id;
  f.size = int(sizeof(T));
  std::memcpy(&f.bits, &v, sizeof(T));
  t->fields.push_back(f);
}

inline void child(const NodeP& t, int id, NodeP c) {
  Field f;
  f.id = id;
  f.child = std::move(c);
  t->fields.push_back(f);
}

class Writer {
 public:
  // The whole file: root uoffset, the 4-byte file identifier, then the root table and everything below it.
  std::vector<uint8_t> finish(const NodeP& root, const char ident[4]) {
    buf_.assign(8, 0);
    std::memcpy(buf_.data() + 4, ident, 4);
    const size_t pos = write(root);
    put32(0, uint32_t(pos));
    return buf_;
  }

 private:
  void align(size_t a, size_t extra = 0) {
    while ((buf_.size() + extra) % a) buf_.push_back(0);
  }
  void put32(size_t at, uint32_t v) { std::memcpy(buf_.data() + at, &v, 4); }
  void patch(size_t at, size_t target) { put32(at, uint32_t(target - at)); }

  size_t write(const NodeP& n) {
    switch (n->kind) {
      case Node::kTable: return write_table(*n);
      case Node::kString: {
        align(4);
        const size_t pos = buf_.size();
        uint32_t len = uint32_t(n->bytes.size());
        append(&len, 4);
        append(n->bytes.data(), n->bytes.size());
        buf_.push_back(0);
        return pos;
      }
      case Node::kScalarVector: {
        const size_t a = n->elem_size > 4 ? size_t(n->elem_size) : 4;
        align(a, 4);
        const size_t pos = buf_.size();
        uint32_t len = uint32_t(n->bytes.size() / size_t(n->elem_size));
        append(&len, 4);
        append(n->bytes.data(), n->bytes.size());
        return pos;
      }
      case Node::kTableVector: {
        align(4);
        const size_t pos = buf_.size();
        uint32_t len = uint32_t(n->children.size());
        append(&len, 4);
        const size_t slots = buf_.size();
        buf_.resize(buf_.size() + 4 * n->children.size(), 0);
        for (size_t i = 0; i < n->children.size(); ++i) patch(slots + 4 * i, write(n->children[i]));
        return pos;
      }
    }
    return 0;
  }

  size_t write_table(const Node& t) {
    // Layout of the table body: soffset, then fields (8-byte ones first, so alignment needs no padding inside).
    int max_id = -1;
    for (const Field& f : t.fields) max_id = f.id > max_id ? f.id : max_id;
    std::vector<const Field*> order;
    for (int sz : {8, 4, 0, 2, 1})
      for (const Field& f : t.fields)
        if (f.size == sz) order.push_back(&f);
    std::vector<uint16_t> field_off(size_t(max_id + 1), 0);
    size_t body = 4;
    std::vector<size_t> at(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      const size_t sz = order[i]->size ? size_t(order[i]->size) : 4;
      while (body % sz) ++body;
      at[i] = body;
      field_off[size_t(order[i]->id)] = uint16_t(body);
      body += sz;
    }
    const size_t vt_size = 4 + 2 * field_off.size();
    // vtable, then the table aligned to 8 (so 8-byte fields are aligned in the file).
    align(2);
    size_t vt_pos = buf_.size();
    while ((vt_pos + vt_size) % 8) {
      buf_.push_back(0);
      ++vt_pos;
    }
    uint16_t h[2] = {uint16_t(vt_size), uint16_t(body)};
    append(h, 4);
    append(field_off.data(), 2 * field_off.size());
    const size_t tpos = buf_.size();
    buf_.resize(tpos + body, 0);
    int32_t soff = int32_t(tpos - vt_pos);
    std::memcpy(buf_.data() + tpos, &soff, 4);
    for (size_t i = 0; i < order.size(); ++i)
      if (order[i]->size) std::memcpy(buf_.data() + tpos + at[i], &order[i]->bits, size_t(order[i]->size));
    for (size_t i = 0; i < order.size(); ++i)
      if (!order[i]->size) patch(tpos + at[i], write(order[i]->child));
    return tpos;
  }

  void append(const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }

  std::vector<uint8_t> buf_;
};

}  // namespace fbw
