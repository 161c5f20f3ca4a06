#include "error.h"

#include <cstdio>
#include <cstring>

namespace slimrt {
namespace {

void append_number(std::string& out, MsgArg::Kind kind, long long i, unsigned long long u, double f) {
  char buf[32];
  if (kind == MsgArg::kFloat) std::snprintf(buf, sizeof buf, "%g", f);
  else if (kind == MsgArg::kSigned) std::snprintf(buf, sizeof buf, "%lld", i);
  else std::snprintf(buf, sizeof buf, "%llu", u);
  out += buf;
}

}  // namespace

void MsgArg::append_to(std::string& out) const {
  switch (kind_) {
    case kCStr: out += p_ ? static_cast<const char*>(p_) : "(null)"; break;
    case kStr: out += *static_cast<const std::string*>(p_); break;
    case kChar: out += char(i_); break;
    case kVector: {
      out += '[';
      const unsigned char* e = static_cast<const unsigned char*>(p_);
      for (uint32_t k = 0; k < n_; ++k, e += elem_size_) {
        if (k) out += ", ";
        long long i = 0;
        unsigned long long u = 0;
        double f = 0;
        if (elem_kind_ == kFloat) {
          if (elem_size_ == 4) {
            float x;
            std::memcpy(&x, e, 4);
            f = x;
          } else {
            std::memcpy(&f, e, 8);
          }
        } else {
          switch (elem_size_) {
            case 1: i = elem_kind_ == kSigned ? (long long)int8_t(e[0]) : e[0]; break;
            case 2: { int16_t x; uint16_t y; std::memcpy(&x, e, 2); std::memcpy(&y, e, 2);
                      i = elem_kind_ == kSigned ? x : y; break; }
            case 4: { int32_t x; uint32_t y; std::memcpy(&x, e, 4); std::memcpy(&y, e, 4);
                      i = elem_kind_ == kSigned ? (long long)x : (long long)y; break; }
            default: std::memcpy(&u, e, 8); i = (long long)u;
          }
          if (elem_size_ < 8) u = (unsigned long long)i;
        }
        append_number(out, elem_kind_, i, u, f);
      }
      out += ']';
      break;
    }
    default: append_number(out, kind_, i_, u_, f_);
  }
}

std::string format_msg(std::initializer_list<MsgArg> args) {
  std::string s;
  for (const MsgArg& a : args) a.append_to(s);
  return s;
}

}  // namespace slimrt
