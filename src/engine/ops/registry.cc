// The table of builtin ops: every op family registers its definitions here, once.
#include "op.h"

namespace slimrt {

const OpRegistry& builtin_ops() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    RegisterConvOps(r);
    RegisterQuantizedConvOps(r);
    RegisterElementwiseOps(r);
    RegisterPoolOps(r);
    RegisterShapeOps(r);
    RegisterReduceOps(r);
    RegisterQuantizeOps(r);
    RegisterVariableOps(r);
    return r;
  }();
  return registry;
}

const OpDef* OpRegistry::find(int32_t builtin, DType input_type) const {
  const OpDef* any = nullptr;
  for (const OpDef& d : defs_) {
    if (d.builtin != builtin) continue;
    if (d.input_type == input_type) return &d;
    if (d.input_type == kAnyType && !any) any = &d;
  }
  return any;
}

bool OpRegistry::knows(int32_t builtin) const {
  for (const OpDef& d : defs_)
    if (d.builtin == builtin) return true;
  return false;
}

}  // namespace slimrt
