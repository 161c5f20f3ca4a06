// libFuzzer target: any byte string must either load, allocate and run, or be refused with slimrt::Error.
// Anything else (a crash, an ASan/UBSan report, another exception, a hang) is a bug.
//
// Built by -DSLIMRT_FUZZ=ON with clang (see scripts/fuzz.sh):
//   ./fuzz_model -max_total_time=60 corpus/
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "slimrt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    slimrt::Interpreter it(std::vector<uint8_t>(data, data + size), 1);
    for (int s = 0; s < it.num_subgraphs(); ++s) {
      (void)it.subgraph(s);  // every subgraph index it reports must be valid
    }
    it.allocate_tensors();
    slimrt::Subgraph& g = it.subgraph(0);
    for (int32_t i : g.inputs) {
      slimrt::Tensor& t = g.tensor(i);
      if (t.data && t.bytes) std::memset(t.data, 0, t.bytes);
    }
    it.invoke();
    it.invoke();  // a second run: state (variables, CALL_ONCE) must stay consistent
    for (int32_t o : g.outputs) {
      const slimrt::Tensor& t = g.tensor(o);
      volatile uint8_t sink = 0;
      for (size_t k = 0; t.data && k < t.bytes; ++k) sink = sink ^ t.data[k];  // outputs must be readable
      (void)sink;
    }
  } catch (const slimrt::Error&) {
    // the one acceptable way to refuse an input
  }
  return 0;
}
