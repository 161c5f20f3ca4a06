// The one exception type of the engine. Bad models, bad shapes and unsupported ops all throw slimrt::Error;
// the Python binding turns it into ValueError (RuntimeError for failures during invoke).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace slimrt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

namespace detail {
inline void put(std::ostringstream& os) {}
template <class T>
void put_one(std::ostringstream& os, const T& v) { os << v; }
template <class T>
void put_one(std::ostringstream& os, const std::vector<T>& v) {
  os << '[';
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << ']';
}
template <class T, class... R>
void put(std::ostringstream& os, const T& v, const R&... rest) {
  put_one(os, v);
  put(os, rest...);
}
}  // namespace detail

// cat("a", 1, ", shape ", std::vector<int>{1, 2}) -> "a1, shape [1, 2]"
template <class... A>
std::string cat(const A&... a) {
  std::ostringstream os;
  detail::put(os, a...);
  return os.str();
}

}  // namespace slimrt
