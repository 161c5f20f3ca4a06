#!/usr/bin/env bash
# Install everything cross-building slimrt needs on a Debian bookworm x86_64 host. Idempotent.
#
#   scripts/setup-cross.sh [--venv DIR] [--gnu] [--no-apt] [--targets "T1 T2"]
#
#   --venv DIR   Python venv to pip-install the pinned toolchain (requirements-cross.txt) + numpy into
#                (created if missing; default: this checkout's .venv if it exists, else python3)
#   --python PY  use this Python (and its environment) instead of a venv
#   --gnu        also install Debian's cross gcc / MinGW-w64 (posix) compilers (family gnu)
#   --no-apt     skip apt (packages already there)
#   --targets    prepare these targets' sysroots (default: all)
#   --pythons    ... for these target CPythons (default: 3.11; "all" = every version of the table)
#
# apt: qemu-user (aarch64, armv7l), wine + wine64 + wine32:i386 (win_amd64, win32), and the
# arm64/armhf/i386 architectures so `apt-get download` can fetch the target CPython packages
# (unpacked with dpkg -x under .cache/cross/sysroot: nothing is installed for a foreign arch
# except wine32:i386). Known trap: after `dpkg --add-architecture`, `apt-get update` may exit
# non-zero on a stale bookworm-security list for i386/armhf; then the i386 packages only match
# bookworm's versions, so wine is installed with `-t bookworm` (wine64 and wine32 together).
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv=""
pyarg=""
gnu=0
apt=1
targets=""
pythons="3.11"
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) venv="$2"; shift 2 ;;
    --python) pyarg="$2"; shift 2 ;;
    --gnu) gnu=1; shift ;;
    --no-apt) apt=0; shift ;;
    --targets) targets="$2"; shift 2 ;;
    --pythons) pythons="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "setup-cross.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
say() { echo "[setup-cross] $*" >&2; }
die() { echo "[setup-cross] ERROR: $*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

apt_update() {
  # bookworm-security lists for the foreign architectures can be stale on a mirror ("File has
  # unexpected size"): apt-get update exits 100 but every other list is fine. Go on.
  if ! $SUDO apt-get update -qq >/tmp/setup-cross-apt-update.log 2>&1; then
    say "apt-get update reported errors (kept going):"
    grep -E '^(E|W):' /tmp/setup-cross-apt-update.log | head -5 >&2
  fi
}

if [ "$apt" = 1 ]; then
  command -v apt-get >/dev/null || die "apt-get not found: this script needs Debian (bookworm)"
  need_update=0
  for a in i386 arm64 armhf; do
    if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
      say "dpkg --add-architecture $a"
      $SUDO dpkg --add-architecture "$a"; need_update=1
    fi
  done
  if [ "$need_update" = 1 ] || [ ! -e /var/lib/apt/lists/lock ] || \
     ! apt-cache show python3.11-minimal:arm64 >/dev/null 2>&1; then
    apt_update
  fi
  pkgs="qemu-user cmake ninja-build dpkg-dev"
  missing=""
  for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    say "apt-get install$missing"
    $SUDO apt-get install -y -qq $missing >/tmp/setup-cross-apt.log 2>&1 || \
      { apt_update; $SUDO apt-get install -y -qq $missing >>/tmp/setup-cross-apt.log 2>&1; } || \
      { tail -20 /tmp/setup-cross-apt.log >&2; die "apt-get install$missing failed"; }
  fi
  if ! dpkg -s wine64 >/dev/null 2>&1 || ! dpkg -s wine32:i386 >/dev/null 2>&1; then
    say "apt-get install wine wine64 wine32:i386"
    if ! $SUDO apt-get install -y -qq wine wine64 wine32:i386 >/tmp/setup-cross-wine.log 2>&1; then
      say "plain install failed; retrying with -t bookworm (stale security lists for i386)"
      $SUDO apt-get install -y -qq -t bookworm wine wine64 wine32:i386 >>/tmp/setup-cross-wine.log 2>&1 || \
      $SUDO apt-get install -y -qq -t bookworm wine wine64 wine32:i386 libgstreamer-plugins-base1.0-0:i386 \
        >>/tmp/setup-cross-wine.log 2>&1 || \
        { tail -20 /tmp/setup-cross-wine.log >&2; die "could not install wine32:i386 + wine64"; }
    fi
  fi
  dpkg -s wine64 >/dev/null 2>&1 || die "wine64 is not installed (see /tmp/setup-cross-wine.log)"
  dpkg -s wine32:i386 >/dev/null 2>&1 || die "wine32:i386 is not installed (see /tmp/setup-cross-wine.log)"
  if [ "$gnu" = 1 ]; then
    g="g++ g++-aarch64-linux-gnu g++-arm-linux-gnueabihf g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix"
    say "apt-get install $g"
    $SUDO apt-get install -y -qq $g >/tmp/setup-cross-gnu.log 2>&1 || \
      { tail -20 /tmp/setup-cross-gnu.log >&2; die "could not install the gnu cross compilers"; }
  fi
fi

# Python side: into the given venv, else the checkout's .venv if present, else the current python.
if [ -z "$venv" ] && [ -z "$pyarg" ] && [ -x "$here/.venv/bin/python" ]; then venv="$here/.venv"; fi
if [ -n "$pyarg" ]; then
  py="$pyarg"
elif [ -n "$venv" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || die "cannot create venv $venv"
  py="$venv/bin/python"
else
  py="$(command -v python3)"
fi
# The pinned toolchain (requirements-cross.txt: exact versions, they shape the wheels' bytes) + numpy.
PYTHONPATH="$here/slim${PYTHONPATH:+:$PYTHONPATH}" "$py" - "$here" <<'EOF' || {
import importlib.util, sys
from pathlib import Path
from slim.build.pins import pin_problems, read_pins
repo = Path(sys.argv[1])
bad = pin_problems(repo, names=list(read_pins(repo)))
bad += [m for m in ("numpy", "packaging") if importlib.util.find_spec(m) is None]
sys.exit(1 if bad else 0)
EOF
  say "pip install -r requirements-cross.txt numpy packaging into $py"
  "$py" -m pip install -q --disable-pip-version-check -r "$here/requirements-cross.txt" numpy packaging \
    || die "pip install failed"
}

# Target Pythons (sysroots) and generated toolchain files are checked/prepared by slim build itself;
# do the downloads now so that a build has nothing left to fetch.
PYTHONPATH="$here/slim${PYTHONPATH:+:$PYTHONPATH}" "$py" - "$targets" "$pythons" <<'EOF' || die "preparing the target Pythons failed"
import sys
from slim import build as B, targets as T
from slim.errors import SlimError
try:
    paths = B.Paths.make()
    for v in T.select_pythons(sys.argv[2]):
        for t in T.select(sys.argv[1]):
            root = B.prepare_sysroot(t.for_python(v), paths)
            print("[setup-cross] %-20s target Python %s in %s" % (t.name, v, root), file=sys.stderr)
except SlimError as e:
    sys.exit("[setup-cross] ERROR: %s" % e)
EOF
say "done (python: $py)"
