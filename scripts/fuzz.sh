#!/usr/bin/env bash
# Fuzz the model reader + graph + ops with libFuzzer (ASan + UBSan):  scripts/fuzz.sh [SECONDS] [JOBS]
# (fork mode: libFuzzer keeps going after a crash, so one run reports every distinct crash it finds)
#
# Installs clang (Debian's, with libFuzzer) if missing, builds src/tools/fuzz_model.cc with -DSLIMRT_FUZZ=ON
# into .cache/fuzz/build, seeds the corpus with the small real models, the generated op models and the
# hostile corpus, runs libFuzzer for SECONDS (default 60) and prints executions and crashes.
# Exit status: 0 when no new crash-* reproducer was found, 1 otherwise (reproducers are left in .cache/fuzz/artifacts/;
# copy them to tests/data/fuzz_crashes/ to make them regression inputs of tests/engine/test_hostile.py).
set -euo pipefail
# Deterministic mode for CI: `fuzz.sh --runs N [SEED]` runs exactly N inputs, single process, fixed seed, on a
# fresh copy of the seed corpus, so every CI run tests the same inputs (a pass here is a pass there).
RUNS=""
if [ "${1:-}" = "--runs" ]; then
  RUNS="${2:?--runs needs a count}"
  SEED="${3:-1}"
  SECONDS_TO_RUN=0
  JOBS=1
else
  SECONDS_TO_RUN="${1:-60}"
  JOBS="${2:-1}"
fi
REPO="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${SLIMRT_FUZZ_DIR:-$REPO/.cache/fuzz}"
BUILD="$WORK/build"
CORPUS="$WORK/corpus"
[ -n "$RUNS" ] && CORPUS="$WORK/corpus-ci" && rm -rf "$CORPUS"
ARTIFACTS="$WORK/artifacts"

find_clang() {
  for c in clang++ clang++-19 clang++-18 clang++-17 clang++-16 clang++-15 clang++-14; do
    if command -v "$c" >/dev/null 2>&1; then echo "$c"; return 0; fi
  done
  return 1
}

CXX_BIN="$(find_clang || true)"
if [ -z "$CXX_BIN" ]; then
  echo "fuzz.sh: installing clang" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang >/dev/null
  CXX_BIN="$(find_clang)"
fi
# libFuzzer ships with Debian's clang (libclang-rt-NN-dev / libclang-common-NN-dev); check it links
probe="$(mktemp -d)"
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long){return 0;}' > "$probe/p.cc"
if ! "$CXX_BIN" -fsanitize=fuzzer,address,undefined "$probe/p.cc" -o "$probe/p" 2>"$probe/err"; then
  ver="$("$CXX_BIN" --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p')"
  echo "fuzz.sh: libFuzzer missing, installing libclang-rt-$ver-dev" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "libclang-rt-$ver-dev" >/dev/null || cat "$probe/err" >&2
fi
rm -rf "$probe"

cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$CXX_BIN" -DSLIMRT_PYTHON=OFF -DSLIMRT_FUZZ=ON -DSLIMRT_SANITIZE=ON >/dev/null
cmake --build "$BUILD" --target fuzz_model -j "$(nproc)" >/dev/null

mkdir -p "$CORPUS" "$ARTIFACTS"
for f in "$REPO"/tests/data/models/okay_nabu.tflite "$REPO"/tests/data/models/hand_recrop.tflite \
         "$REPO"/tests/data/generated/*.tflite "$REPO"/tests/data/refs/okay_nabu/taps.tflite; do
  [ -f "$f" ] && cp -n "$f" "$CORPUS/" 2>/dev/null || true
done
if [ -d "$REPO/tests/data/fuzz_crashes" ]; then
  find "$REPO/tests/data/fuzz_crashes" -type f ! -name '*.md' -exec cp -n {} "$CORPUS/" \; 2>/dev/null || true
fi
python3 "$REPO/scripts/gen_hostile.py" "$WORK/hostile" --small >/dev/null && \
  find "$WORK/hostile" -name '*.tflite' -size -70k -exec cp -n {} "$CORPUS/" \; 2>/dev/null || true

LOG="$WORK/fuzz.log"
touch "$LOG.start"
count_crashes() { find "$ARTIFACTS" -name 'crash-*' | wc -l; }
before="$(count_crashes)"
set +e
if [ -n "$RUNS" ]; then
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$BUILD/src/fuzz_model" -runs="$RUNS" -seed="$SEED" -timeout=600 -rss_limit_mb=4096 -max_len=300000 \
    -print_final_stats=1 -artifact_prefix="$ARTIFACTS/" "$CORPUS" >"$LOG" 2>&1
else
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$BUILD/src/fuzz_model" -max_total_time="$SECONDS_TO_RUN" -timeout=20 -rss_limit_mb=4096 -max_len=300000 \
    -print_final_stats=1 -artifact_prefix="$ARTIFACTS/" -fork="$JOBS" -ignore_crashes=1 -ignore_timeouts=1 \
    -ignore_ooms=1 "$CORPUS" >"$LOG" 2>&1
fi
rc=$?
set -e
# fork mode: progress lines look like "#12345: cov: ... exec/s: ... crashes: N"
execs="$(grep -E '^#[0-9]+|stat::number_of_executed_units' "$LOG" | tail -1 | sed 's/^#\([0-9]*\).*/\1/; s/.*: *//')"
crashes="$(grep -E '^#[0-9]+' "$LOG" | tail -1 | sed -n 's/.*crashes: \([0-9]*\).*/\1/p')"
after="$(count_crashes)"
if [ -n "$RUNS" ]; then what="$RUNS runs with seed $SEED"; else what="${SECONDS_TO_RUN}s"; fi
echo "fuzz: $what, executions: ${execs:-0}, crashes: ${crashes:-0}, corpus: $(ls "$CORPUS" | wc -l) files, new crash artifacts: $((after - before)), libFuzzer rc=$rc"
# Only crash-* reproducers fail the run: oom-*/timeout-*/slow-unit-* are hostile models that are big or slow
# (the engine caps allocations at SLIMRT_MAX_ALLOC_BYTES, 256 MiB in this build), not memory-safety bugs.
others="$(find "$ARTIFACTS" -newer "$LOG.start" \( -name 'oom-*' -o -name 'timeout-*' -o -name 'slow-unit-*' \) | wc -l)"
echo "fuzz: other reports (oom/timeout/slow, not failures): $others"
if [ "$after" -gt "$before" ] || { [ -n "$RUNS" ] && [ "$rc" -ne 0 ]; }; then
  grep -h -E "SUMMARY|runtime error|Test unit written|CRASH" "$LOG" | sort | uniq -c | sort -rn | head -30
  echo "fuzz: CRASH; reproducers in $ARTIFACTS, log in $LOG" >&2
  exit 1
fi
