"""Open a wheel and check all of it before anything else happens; stream, never hold it.

:func:`read_wheel` checks, in this order, and raises :class:`WheelError` (one line naming the
wheel and the entry) at the first problem:

1. the path: a regular, readable file (a directory or a device is said to be one), a valid
   wheel file name (project, version, tags);
2. the zip: a zip from its first byte (no junk before it or after it), at most
   ``MAX_ENTRIES`` entries (counted from the central directory, before anything is inflated),
   local headers that agree with the central directory, entries that do not overlap, no
   encryption, a compression method zipfile reads (stored, deflate, bzip2, lzma);
3. the names: no absolute, ``..``, backslash, drive, NUL or control-character paths, no
   over-long names, no symlinks, no two names that clash (duplicates, case or NFC/NFD twins,
   a file that is also a directory);
4. the sizes: each entry's declared size, the declared total and the compression ratio against
   ``MAX_ENTRY_BYTES``/``MAX_TOTAL_BYTES``/``MAX_RATIO``; while streaming, the bytes actually
   inflated are counted against the same limits;
5. the metadata: exactly one ``NAME-VERSION.dist-info`` matching the file name, METADATA's
   Name/Version and WHEEL's tags equal to the file name's, a RECORD that lists every file with
   the right hash and size (checked while streaming every entry through the hash).

With ``dest`` the entries are unpacked there during the same pass (removed again on any error).
"""
from __future__ import annotations

import lzma
import os
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from ..errors import UsageError, WheelError
from . import metadata as M
from .names import check_entry_name, find_clash

MAX_ENTRIES = 65_000                  # a plain zip (what slim writes) holds at most 65535
MAX_ENTRY_BYTES = 1024 ** 3           # one file, inflated
MAX_TOTAL_BYTES = 4 * 1024 ** 3       # a whole wheel, inflated
MAX_RATIO = 200                       # inflated / compressed ...
RATIO_MIN_BYTES = 16 * 1024 ** 2      # ... for entries or wheels larger than this
METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate",
           zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}
CHUNK = 1024 * 1024


@dataclass
class Member:
    name: str
    size: int
    mode: int            # 0o644 or 0o755
    compress_size: int


@dataclass
class Wheel:
    path: Path
    filename: str
    name: str            # canonical project name
    version: str
    tags: frozenset
    dist_info: str       # "numpy-2.4.6.dist-info"
    files: Dict[str, Member] = field(default_factory=dict)   # regular files, sorted by name
    compressed_size: int = 0

    @property
    def installed_size(self) -> int:
        return sum(m.size for m in self.files.values())

    @property
    def platform_tags(self):
        return sorted({t.platform for t in self.tags})

    def is_metadata(self, path: str) -> bool:
        return path.startswith(self.dist_info + "/")

    def read(self, name: str, limit: int = M.MAX_META_BYTES) -> bytes:
        """One member's bytes (small files only: capped at ``limit``)."""
        with zipfile.ZipFile(self.path) as zf, zf.open(name) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise WheelError("%s: %s is larger than %d bytes" % (self.filename, name, limit))
        return data

    def extract(self, dest) -> Path:
        """Unpack every file under ``dest`` (streamed, hashes checked again); returns ``dest``."""
        _stream(self.path, self, Path(dest))
        return Path(dest)


def input_file(path, what: str = "input") -> Path:
    """A path that must be an existing regular file: UsageError with the real reason if not."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UsageError("%s %s: no such file" % (what, path)) from None
    except OSError as e:
        raise UsageError("%s %s: cannot read: %s" % (what, path, e.strerror)) from None
    if stat.S_ISDIR(st.st_mode):
        raise UsageError("%s %s is a directory, not a file" % (what, path))
    if not stat.S_ISREG(st.st_mode):
        raise UsageError("%s %s is not a regular file (a device, pipe or socket)" % (what, path))
    if not os.access(path, os.R_OK):
        raise UsageError("%s %s: permission denied" % (what, path))
    return path


def read_wheel(path, dest=None) -> Wheel:
    """Check a wheel completely (see the module doc); with ``dest``, unpack it there too."""
    path = input_file(path, "wheel")
    where = path.name
    try:
        name, version, _build, tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename as e:
        raise WheelError("%s: not a wheel file name: %s" % (where, e)) from None
    w = Wheel(path, path.name, canonicalize_name(name), str(version), frozenset(tags), "",
              compressed_size=path.stat().st_size)
    infos = _check_zip(path, where)
    names = [i.filename for i in infos]
    w.dist_info = M.find_dist_info(names, w.name, w.version, where)
    for i in sorted(infos, key=lambda i: i.filename):
        if not i.is_dir():
            mode = (i.external_attr >> 16) & 0o777
            w.files[i.filename] = Member(i.filename, i.file_size, 0o755 if mode & 0o111 else 0o644,
                                         i.compress_size)
    for required in ("METADATA", "WHEEL", "RECORD"):
        if w.dist_info + "/" + required not in w.files:
            raise WheelError("%s: %s/%s is missing" % (where, w.dist_info, required))
    M.check_wheel_file(_read_small(w, "WHEEL"), w.tags, where)
    M.check_metadata_file(_read_small(w, "METADATA"), w.name, w.version, where)
    _stream(path, w, Path(dest) if dest is not None else None)
    return w


def _read_small(w: Wheel, leaf: str) -> bytes:
    try:
        return w.read(w.dist_info + "/" + leaf)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as e:
        raise WheelError("%s: %s/%s cannot be read: %s" % (w.filename, w.dist_info, leaf, e)) from None


def _check_zip(path: Path, where: str):
    """Structural checks from the central directory and local headers; returns the infos."""
    with open(path, "rb") as f:
        head = f.read(4)
        size = f.seek(0, 2)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        if head == b"PK\x03\x04":
            raise WheelError("%s: truncated or damaged zip (%s)" % (where, e)) from None
        raise WheelError("%s: not a zip file" % where) from None
    except (OSError, ValueError, EOFError, NotImplementedError) as e:
        raise WheelError("%s: cannot read zip: %s" % (where, e)) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise WheelError("%s: %d entries (limit %d): too many files" % (where, len(infos), MAX_ENTRIES))
        if not infos:
            raise WheelError("%s: empty zip" % where)
        _check_layout(zf, infos, head, size, where)
    why = find_clash(i.filename for i in infos)
    if why:
        raise WheelError("%s: %s" % (where, why))
    total = 0
    for i in infos:
        n = i.filename
        total += i.file_size
        if i.file_size > MAX_ENTRY_BYTES:
            raise WheelError("%s: entry %r claims %d bytes inflated (limit %d): zip bomb?"
                             % (where, n, i.file_size, MAX_ENTRY_BYTES))
        if i.file_size > RATIO_MIN_BYTES and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise WheelError("%s: entry %r inflates %d -> %d bytes (ratio over %d): zip bomb?"
                             % (where, n, i.compress_size, i.file_size, MAX_RATIO))
        if total > MAX_TOTAL_BYTES:
            raise WheelError("%s: over %d bytes when inflated (limit %d): zip bomb?"
                             % (where, total, MAX_TOTAL_BYTES))
    if total > RATIO_MIN_BYTES and total > MAX_RATIO * max(size, 1):
        raise WheelError("%s: %d bytes inflate to %d (ratio over %d): zip bomb?" % (where, size, total, MAX_RATIO))
    return infos


def _check_layout(zf: zipfile.ZipFile, infos, head: bytes, size: int, where: str) -> None:
    if head != b"PK\x03\x04" or min(i.header_offset for i in infos) != 0:
        raise WheelError("%s: data before the zip (junk prepended to the archive)" % where)
    tail = len(zf.comment) + 22
    fp = zf.fp
    fp.seek(size - tail)
    if fp.read(4) != b"PK\x05\x06":
        raise WheelError("%s: data after the end of the zip" % where)
    spans = []
    for i in infos:
        n = i.filename
        why = check_entry_name(i.orig_filename)     # zipfile cuts .filename at a NUL
        if why:
            raise WheelError("%s: unsafe entry %r: %s" % (where, i.orig_filename[:200], why))
        if i.flag_bits & 0x41:
            raise WheelError("%s: entry %r is encrypted (wheels cannot be)" % (where, n))
        if i.compress_type not in METHODS:
            raise WheelError("%s: entry %r uses compression method %d (a wheel uses %s)"
                             % (where, n, i.compress_type, "/".join(METHODS.values())))
        mode = i.external_attr >> 16
        if i.create_system == 3 and stat.S_ISLNK(mode):
            raise WheelError("%s: symlink entry %r (wheels cannot contain symlinks)" % (where, n))
        fp.seek(i.header_offset)
        local = fp.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise WheelError("%s: entry %r: no local header where the directory says" % (where, n))
        nlen = int.from_bytes(local[26:28], "little")
        xlen = int.from_bytes(local[28:30], "little")
        raw_name = fp.read(nlen)
        if raw_name != n.encode("utf-8" if i.flag_bits & 0x800 else "cp437", "replace") and \
                raw_name != i.orig_filename.encode("utf-8", "replace"):
            raise WheelError("%s: entry %r: local header names it %r" % (where, n, raw_name[:100]))
        start = i.header_offset
        spans.append((start, start + 30 + nlen + xlen + i.compress_size, n))
    spans.sort()
    for (a0, a1, an), (b0, _b1, bn) in zip(spans, spans[1:]):
        if b0 < a1:
            raise WheelError("%s: entries %r and %r overlap in the archive: zip bomb?" % (where, an, bn))
    if spans and spans[-1][1] > zf.start_dir:
        raise WheelError("%s: entry %r runs into the central directory" % (where, spans[-1][2]))


def _stream(path: Path, w: Wheel, dest: Optional[Path]) -> None:
    """Inflate every entry once: count bytes, check RECORD hashes/sizes, write to ``dest``."""
    where = w.filename
    made_dest = dest is not None and not dest.exists()
    try:
        rec = M.RecordCheck(_read_small(w, "RECORD").decode("utf-8", "strict"), w.dist_info, where)
    except UnicodeDecodeError:
        raise WheelError("%s: RECORD is not UTF-8" % where) from None
    rec.unlisted_extra(w.files)
    total = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for name, m in w.files.items():
                h = rec.hasher(name)
                out = None
                if dest is not None:
                    target = dest.joinpath(*name.split("/"))
                    target.parent.mkdir(parents=True, exist_ok=True)
                    out = open(target, "xb")
                n = 0
                try:
                    with zf.open(name) as f:
                        while True:
                            chunk = f.read(CHUNK)
                            if not chunk:
                                break
                            n += len(chunk)
                            total += len(chunk)
                            if n > m.size or n > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES:
                                raise WheelError("%s: entry %r inflates past its declared size or "
                                                 "the limits: zip bomb?" % (where, name))
                            if h is not None:
                                h.update(chunk)
                            if out is not None:
                                out.write(chunk)
                finally:
                    if out is not None:
                        out.close()
                        os.chmod(target, m.mode)
                if n != m.size:
                    raise WheelError("%s: entry %r has %d bytes, the zip directory says %d"
                                     % (where, name, n, m.size))
                rec.verify(name, h, n)
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, ValueError,
            NotImplementedError, RuntimeError) as e:
        _cleanup(dest, made_dest)
        raise WheelError("%s: damaged or truncated entry data: %s" % (where, e)) from None
    except OSError as e:
        _cleanup(dest, made_dest)
        if dest is not None:
            raise WheelError("%s: cannot unpack into %s: %s" % (where, dest, e.strerror or e)) from None
        raise WheelError("%s: cannot read: %s" % (where, e)) from None
    except BaseException:
        _cleanup(dest, made_dest)
        raise


def _cleanup(dest: Optional[Path], made: bool) -> None:
    if dest is not None and made:
        shutil.rmtree(dest, ignore_errors=True)
