#include "error.h"

#include <cstdio>

namespace slimrt {

Msg& Msg::add(const char* v) {
  str += v ? v : "(null)";
  return *this;
}
Msg& Msg::add(const std::string& v) {
  str += v;
  return *this;
}
Msg& Msg::add(char v) {
  str += v;
  return *this;
}
Msg& Msg::add_signed(long long v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld", v);
  str += buf;
  return *this;
}
Msg& Msg::add_unsigned(unsigned long long v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llu", v);
  str += buf;
  return *this;
}
Msg& Msg::add_float(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  str += buf;
  return *this;
}

}  // namespace slimrt
