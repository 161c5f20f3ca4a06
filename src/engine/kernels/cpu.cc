// Run-time CPU feature detection for the kernel dispatch (see cpu.h).
#include "cpu.h"

#include <cstdlib>
#include <cstring>

#include "conv_simd.h"

#if SLIMRT_AVX2_KERNELS
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif
#if SLIMRT_NEON_DOT_KERNELS && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace slimrt {
namespace kernels {
namespace {

struct Features {
  bool avx2 = false, avx512 = false, avx512vnni = false, neon = false, neondot = false;
};

#if SLIMRT_AVX2_KERNELS
#if defined(_MSC_VER) && !defined(__clang__)
void cpuid(int leaf, int sub, unsigned r[4]) {
  int v[4];
  __cpuidex(v, leaf, sub);
  for (int i = 0; i < 4; ++i) r[i] = unsigned(v[i]);
}
unsigned long long xgetbv0() { return _xgetbv(0); }
#else
void cpuid(int leaf, int sub, unsigned r[4]) {
  r[0] = r[1] = r[2] = r[3] = 0;
  __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}
__attribute__((target("xsave"))) unsigned long long xgetbv0() { return _xgetbv(0); }
#endif

void detect_x86(Features* f) {
  unsigned r[4];
  cpuid(0, 0, r);
  if (r[0] < 7) return;
  cpuid(1, 0, r);
  const unsigned ecx1 = r[2];
  const bool osxsave = (ecx1 >> 27) & 1, avx = (ecx1 >> 28) & 1, fma = (ecx1 >> 12) & 1;
  if (!osxsave || !avx || !fma) return;
  const unsigned long long xcr0 = xgetbv0();
  if ((xcr0 & 6) != 6) return;  // the OS saves XMM and YMM state
  cpuid(7, 0, r);
  const unsigned ebx7 = r[1], ecx7 = r[2];
  f->avx2 = (ebx7 >> 5) & 1;
  // AVX-512 F, DQ, BW, VL, and the OS saving opmask and ZMM state (XCR0 bits 5-7).
  const bool f512 = (ebx7 >> 16) & 1, dq = (ebx7 >> 17) & 1, bw = (ebx7 >> 30) & 1, vl = (ebx7 >> 31) & 1;
  f->avx512 = f->avx2 && f512 && dq && bw && vl && (xcr0 & 0xE0) == 0xE0;
  f->avx512vnni = f->avx512 && ((ecx7 >> 11) & 1);
}
#endif

Features detect() {
  Features f;
#if SLIMRT_AVX2_KERNELS
  detect_x86(&f);
#endif
#if SLIMRT_NEON_KERNELS
  f.neon = true;
#endif
#if SLIMRT_NEON_DOT_KERNELS && defined(__linux__)
  f.neondot = (getauxval(AT_HWCAP) >> 20) & 1;  // HWCAP_ASIMDDP
#endif
  // SLIMRT_ISA caps the level.
  const char* env = std::getenv("SLIMRT_ISA");
  if (env && *env) {
    if (!std::strcmp(env, "generic")) f = Features();
    if (!std::strcmp(env, "avx2")) f.avx512 = f.avx512vnni = false;
    if (!std::strcmp(env, "avx512")) f.avx512vnni = false;
    if (!std::strcmp(env, "neon")) f.neondot = false;
  }
  return f;
}

const Features& features() {
  static const Features f = detect();
  return f;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kNeon: return "neon";
    case Isa::kNeonDot: return "neondot";
    default: return "generic";
  }
}

int float_isas(Isa out[4]) {
  const Features& f = features();
  int n = 0;
  out[n++] = Isa::kGeneric;
  if (f.avx2) out[n++] = Isa::kAvx2;
  if (f.avx512) out[n++] = Isa::kAvx512;
  if (f.neon) out[n++] = Isa::kNeon;
  return n;
}

int int8_isas(Isa out[4]) {
  const Features& f = features();
  int n = 0;
  out[n++] = Isa::kGeneric;
  if (f.avx2) out[n++] = Isa::kAvx2;
  if (f.avx512vnni) out[n++] = Isa::kAvx512Vnni;
  if (f.neon) out[n++] = Isa::kNeon;
  if (f.neondot) out[n++] = Isa::kNeonDot;
  return n;
}

Isa float_isa() {
  static const Isa isa = [] {
    Isa all[4];
    return all[float_isas(all) - 1];
  }();
  return isa;
}

Isa int8_isa() {
  static const Isa isa = [] {
    Isa all[4];
    return all[int8_isas(all) - 1];
  }();
  return isa;
}

}  // namespace kernels
}  // namespace slimrt
