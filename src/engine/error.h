// The one exception type of the engine. Bad models, bad shapes and unsupported ops all throw slimrt::Error;
// the Python binding turns it into ValueError (RuntimeError for failures during invoke).
#pragma once

#include <type_traits>
#include <stdexcept>
#include <string>
#include <vector>

namespace slimrt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// Builds error messages. Out of line on purpose: messages are cold, and formatting inlined at every call
// site would cost tens of KB of code (the wheel size budget counts).
class Msg {
 public:
  Msg& add(const char* v);
  Msg& add(const std::string& v);
  Msg& add(char v);
  Msg& add_signed(long long v);
  Msg& add_unsigned(unsigned long long v);
  Msg& add_float(double v);
  template <class T>
  Msg& add(const T& v) {
    if constexpr (std::is_enum<T>::value || (std::is_integral<T>::value && std::is_signed<T>::value))
      return add_signed((long long)v);
    else if constexpr (std::is_integral<T>::value)
      return add_unsigned((unsigned long long)v);
    else
      return add_float(double(v));
  }
  template <class T>
  Msg& add(const std::vector<T>& v) {
    add('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) add(", ");
      add(v[i]);
    }
    return add(']');
  }
  std::string str;
};

// cat("a", 1, ", shape ", std::vector<int>{1, 2}) -> "a1, shape [1, 2]"
template <class... A>
std::string cat(const A&... a) {
  Msg m;
  (m.add(a), ...);
  return std::move(m.str);
}

}  // namespace slimrt
