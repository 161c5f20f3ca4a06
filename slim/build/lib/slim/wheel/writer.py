"""Write deterministic wheels; modify one with :class:`InWheel`.

:func:`write_wheel` takes ``{archive name: Entry}`` where an entry's bytes are in memory
(``Entry(data=...)``) or in a file (``Entry(path=...)``), regenerates RECORD (sha256), sorts
the entries with the ``.dist-info`` directory last and RECORD the very last, fixes timestamps
(1980-01-01) and permissions (0644 / 0755), and deflates at the best ratio available (libdeflate
level 12 when the ``deflate`` package is there, else zlib level 9; files over
``STREAM_BYTES`` are deflated by zlib in chunks so memory stays bounded).  Same input,
byte-identical output.  The file appears atomically (temporary file in the target directory +
``os.replace``); on any error nothing is left.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import struct
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

from ..errors import OutputError, WheelError
from . import metadata as M
from .names import check_entry_name
from .reader import CHUNK, read_wheel

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
STREAM_BYTES = 64 * 1024 ** 2
_DOS_DATE = ((ZIP_EPOCH[0] - 1980) << 9) | (ZIP_EPOCH[1] << 5) | ZIP_EPOCH[2]
_DOS_TIME = (ZIP_EPOCH[3] << 11) | (ZIP_EPOCH[4] << 5) | (ZIP_EPOCH[5] // 2)


@dataclass
class Entry:
    data: Optional[bytes] = None
    mode: int = 0o644            # 0o644 or 0o755
    path: Optional[Path] = None  # the bytes are in this file instead of ``data``

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else os.path.getsize(self.path)

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        with open(self.path, "rb") as f:
            return f.read()


def tree_entries(root, only=None) -> Dict[str, Entry]:
    """Entries for the regular files below ``root`` (symlinks and specials are an error)."""
    root = Path(root)
    files = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            p = Path(dirpath) / fn
            rel = p.relative_to(root).as_posix()
            if only is not None and rel not in only:
                continue
            st = os.lstat(p)
            if not stat.S_ISREG(st.st_mode):
                raise WheelError("%s: %s cannot go into a wheel" % (
                    rel, "a symlink" if stat.S_ISLNK(st.st_mode) else "not a regular file"))
            files[rel] = Entry(mode=0o755 if st.st_mode & 0o111 else 0o644, path=p)
    return files


def write_wheel(files: Dict[str, Entry], dist_info: str, out_path) -> Path:
    """Write a deterministic wheel atomically; RECORD is regenerated.  Returns the path."""
    out_path = Path(out_path)
    files = {n: e for n, e in files.items() if n != dist_info + "/RECORD"}
    for n in files:
        why = check_entry_name(n)
        if why:
            raise WheelError("%s: refusing to write entry %r: %s" % (out_path.name, n, why))
    for req in ("METADATA", "WHEEL"):
        if dist_info + "/" + req not in files:
            raise WheelError("%s: refusing to write a wheel without %s/%s" % (out_path.name, dist_info, req))
    names = M.order(list(files) + [dist_info + "/RECORD"], dist_info)
    if len(names) >= 0xFFFF:
        raise WheelError("%s: too many files for a plain zip (%d)" % (out_path.name, len(names)))
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="." + out_path.name + ".", suffix=".part", dir=out_path.parent)
    except OSError as e:
        raise OutputError("cannot write %s: %s" % (out_path, e.strerror or e)) from None
    try:
        with os.fdopen(fd, "wb") as raw:
            _write_zip(raw, files, names, dist_info)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OutputError("cannot write %s: %s" % (out_path, e.strerror or e)) from None
        raise
    return out_path


def _deflate_small(data: bytes) -> bytes:
    """Raw DEFLATE at the best ratio available: libdeflate level 12 (``deflate`` package,
    ~4% smaller than zlib -9, still plain DEFLATE that every unzip reads), else zlib -9."""
    try:
        import deflate
        return deflate.deflate_compress(data, 12)
    except ImportError:
        c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
        return c.compress(data) + c.flush()


def _pack_small(e: Entry):
    """(method, payload, crc, size, sha256) of an entry small enough to hold in memory."""
    data = e.read()
    comp = _deflate_small(data) if data else b""
    crc = zlib.crc32(data) & 0xFFFFFFFF
    sha = hashlib.sha256(data).digest()
    if data and len(comp) < len(data):
        return 8, comp, crc, len(data), sha
    return 0, data, crc, len(data), sha


def _local_header(bname: bytes, flags: int, method: int, crc: int, csize: int, usize: int) -> bytes:
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, _DOS_TIME, _DOS_DATE,
                       crc, csize, usize, len(bname), 0) + bname


def _write_big(out, e: Entry, bname: bytes, flags: int):
    """Stream a large file through zlib -9 and patch its local header afterwards."""
    start = out.tell()
    out.write(_local_header(bname, flags, 8, 0, 0, 0))
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    crc, size, csize, sha = 0, 0, 0, hashlib.sha256()
    with open(e.path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            crc = zlib.crc32(chunk, crc)
            sha.update(chunk)
            size += len(chunk)
            comp = c.compress(chunk)
            csize += len(comp)
            out.write(comp)
    comp = c.flush()
    csize += len(comp)
    out.write(comp)
    end = out.tell()
    out.seek(start)
    out.write(_local_header(bname, flags, 8, crc & 0xFFFFFFFF, csize, size))
    out.seek(end)
    return 8, crc & 0xFFFFFFFF, csize, size, sha.digest(), start


def _write_zip(out, files: Dict[str, Entry], names, dist_info: str) -> None:
    """A plain zip (no zip64, no extra fields, no data descriptors), fixed date, unix modes."""
    record = dist_info + "/RECORD"
    small = [n for n in names if n != record and not _is_big(files[n])]
    rows, central = [], []
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as ex:
        packed = dict(zip(small, ex.map(lambda n: _pack_small(files[n]), small)))
    for n in names:
        bname = n.encode("utf-8")
        flags = 0x800 if not n.isascii() else 0
        if n == record:
            e = Entry(M.build_record(rows, dist_info))
            method, payload, crc, size, _sha = _pack_small(e)
        elif n in packed:
            e = files[n]
            method, payload, crc, size, sha = packed.pop(n)
        else:
            e = files[n]
            payload = None
        if payload is not None:
            offset = out.tell()
            out.write(_local_header(bname, flags, method, crc, len(payload), size))
            out.write(payload)
            csize = len(payload)
        else:
            method, crc, csize, size, sha, offset = _write_big(out, e, bname, flags)
        if n != record:
            rows.append((n, "sha256=" + M.b64_digest(sha), size))
        if offset > 0xFFFFFFFF or size > 0xFFFFFFFF or csize > 0xFFFFFFFF:
            raise WheelError("wheel too large for a plain zip (entry %r)" % n)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, flags,
                                   method, _DOS_TIME, _DOS_DATE, crc, csize, size, len(bname),
                                   0, 0, 0, 0, (stat.S_IFREG | e.mode) << 16, offset) + bname)
    cd_offset = out.tell()
    cd = b"".join(central)
    if cd_offset > 0xFFFFFFFF:
        raise WheelError("wheel too large for a plain zip")
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(cd), cd_offset, 0))


def _is_big(e: Entry) -> bool:
    return e.data is None and e.size > STREAM_BYTES


class InWheel:
    """``with InWheel(src, dst) as tree:`` unpack ``src`` to a temporary directory, let the
    body change ``tree``, and write ``dst`` (RECORD rewritten) when the body succeeds.  On an
    exception nothing is written; ``src`` is never modified."""

    def __init__(self, src, dst=None):
        self.src = Path(src)
        self.dst = Path(dst) if dst is not None else None
        if self.dst is not None and self.dst.resolve() == self.src.resolve():
            raise OutputError("%s: refusing to overwrite the input wheel" % self.src.name)
        self.wheel = None
        self._tmp = None

    def __enter__(self) -> Path:
        self._tmp = tempfile.mkdtemp(prefix="slim-inwheel-")
        try:
            self.wheel = read_wheel(self.src, dest=Path(self._tmp) / "tree")
            return Path(self._tmp) / "tree"
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise

    def __exit__(self, et, ev, tb):
        try:
            if et is None and self.dst is not None:
                write_wheel(tree_entries(Path(self._tmp) / "tree"), self.wheel.dist_info, self.dst)
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        return False
