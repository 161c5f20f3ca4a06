// The one exception type of the engine. Bad models, bad shapes and unsupported ops all throw slimrt::Error;
// the Python binding turns it into ValueError (RuntimeError for failures during invoke).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace slimrt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// One piece of an error message: a string, a number or a vector of numbers, type-erased so that a message is
// formatted by one out-of-line function (format_msg) whatever its argument types. Messages are cold; formatting
// instantiated per argument list at every call site would cost tens of KB of code (the wheel size budget counts).
class MsgArg {
 public:
  enum Kind : uint8_t { kCStr, kStr, kChar, kSigned, kUnsigned, kFloat, kVector };
  MsgArg(const char* v) : kind_(kCStr) { p_ = v; }
  MsgArg(const std::string& v) : kind_(kStr) { p_ = &v; }
  MsgArg(char v) : kind_(kChar) { i_ = v; }
  template <class T, class = typename std::enable_if<std::is_arithmetic<T>::value || std::is_enum<T>::value>::type>
  MsgArg(T v) {
    if constexpr (std::is_floating_point<T>::value) {
      kind_ = kFloat, f_ = double(v);
    } else if constexpr (std::is_enum<T>::value || std::is_signed<T>::value) {
      kind_ = kSigned, i_ = (long long)v;
    } else {
      kind_ = kUnsigned, u_ = (unsigned long long)v;
    }
  }
  // "[a, b, c]": vectors of any arithmetic element type.
  template <class T>
  MsgArg(const std::vector<T>& v) : kind_(kVector), elem_size_(uint8_t(sizeof(T))), n_(uint32_t(v.size())) {
    static_assert(std::is_arithmetic<T>::value, "vectors of numbers only");
    elem_kind_ = std::is_floating_point<T>::value ? kFloat : (std::is_signed<T>::value ? kSigned : kUnsigned);
    p_ = v.data();
  }
  void append_to(std::string& out) const;

 private:
  Kind kind_ = kCStr, elem_kind_ = kCStr;
  uint8_t elem_size_ = 0;
  uint32_t n_ = 0;  // vector length (longer vectors are cut: messages show shapes and small value lists)
  union {
    const void* p_;
    long long i_;
    unsigned long long u_;
    double f_;
  };
};

std::string format_msg(std::initializer_list<MsgArg> args);

// cat("a", 1, ", shape ", std::vector<int>{1, 2}) -> "a1, shape [1, 2]"
template <class... A>
std::string cat(const A&... a) {
  return format_msg({MsgArg(a)...});
}

}  // namespace slimrt
