// Which hand-written kernel set runs on this CPU, detected once at run time.
//
// Float kernels:  generic (portable C++, auto-vectorized with whatever SIMD the target is built for), avx2 (AVX2+FMA),
//                 avx512 (AVX-512 F/BW/DQ/VL), neon (hand-written NEON, aarch64 and armv7).
// int8 kernels:   generic, avx2 (vpmaddwd on sign-extended bytes), avx512vnni (vpdpbusd on zmm), neon (vmull/vpadal),
//                 neondot (aarch64 sdot, when the CPU reports the dot-product extension).
// Every path computes the same thing: int8 results are bit-identical across all of them (exact int32 sums, the same
// fixed-point requantization), float results differ only by the order of the float sums.
//
// SLIMRT_ISA caps the choice (for tests and comparisons): generic | avx2 | avx512 (no VNNI) | neon (no sdot).
#pragma once

namespace slimrt {
namespace kernels {

enum class Isa : int { kGeneric = 0, kAvx2, kAvx512, kAvx512Vnni, kNeon, kNeonDot };

const char* isa_name(Isa isa);

// The best float / int8 kernel set this machine runs (detected once, cached; SLIMRT_ISA applies).
Isa float_isa();
Isa int8_isa();

// Every float / int8 kernel set this machine can run, generic first (the tests run each of them).
int float_isas(Isa out[4]);
int int8_isas(Isa out[4]);

}  // namespace kernels
}  // namespace slimrt
