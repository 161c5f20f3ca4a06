"""Wheel I/O: read and verify, unpack, and write deterministic wheels.

* :func:`read_wheel` opens a ``.whl`` and checks it completely before anything
  else happens: a real, complete zip; no absolute, ``..``, backslash or drive
  paths (zip-slip); no symlink entries; no duplicate names; no absurd
  uncompressed sizes (zip bombs); exactly one ``NAME-VERSION.dist-info`` with
  METADATA and WHEEL; and a RECORD that lists every file with the right hash
  and size.  Any problem raises :class:`WheelError` naming the wheel and entry.
* :func:`write_wheel` writes files (in memory or from a tree) as a wheel:
  RECORD regenerated (sha256), entries sorted with the ``.dist-info``
  directory last and RECORD the very last entry, fixed timestamps
  (1980-01-01), fixed permissions (0644 / 0755), maximum deflate (libdeflate
  level 12 when the ``deflate`` package is there, else zlib level 9).  Same
  input, byte-identical output.  The file appears atomically (temporary file
  in the target directory + ``os.replace``); on any error nothing is left.
* :class:`InWheel` is the context manager for modifying a wheel: unpack to a
  temporary tree, let the caller change it, repack to the output on success.

Names and tags come from ``packaging.utils.parse_wheel_filename``.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Optional

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

# Limits against zip bombs.  A real wheel's largest file is a few hundred MB.
MAX_ENTRY_SIZE = 2 * 1024 ** 3          # one file, uncompressed
MAX_TOTAL_SIZE = 8 * 1024 ** 3          # whole wheel, uncompressed
MAX_RATIO = 1000                        # uncompressed / compressed ...
RATIO_MIN_SIZE = 64 * 1024 ** 2         # ... checked for entries larger than this
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class WheelError(Exception):
    """A wheel that cannot be used safely; the message names the wheel and the problem."""


@dataclass
class Entry:
    data: bytes
    mode: int = 0o644   # 0o644 or 0o755

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Wheel:
    path: Optional[Path]
    filename: str
    name: str            # canonical project name
    version: str
    tags: frozenset
    dist_info: str       # "numpy-2.4.6.dist-info"
    files: Dict[str, Entry] = field(default_factory=dict)
    compressed_size: int = 0

    @property
    def installed_size(self) -> int:
        return sum(e.size for e in self.files.values())

    @property
    def platform_tags(self):
        return sorted({t.platform for t in self.tags})

    def is_metadata(self, path: str) -> bool:
        return path.startswith(self.dist_info + "/")

    def extract(self, dest) -> Path:
        """Write all files under ``dest`` (created); returns ``dest``."""
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        for name, e in self.files.items():
            p = dest.joinpath(*name.split("/"))
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(p, "wb") as f:
                f.write(e.data)
            os.chmod(p, e.mode)
        return dest


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


_DRIVE = re.compile(r"^[A-Za-z]:")


def check_entry_name(name: str) -> Optional[str]:
    """Why ``name`` is not a safe relative archive path, or None."""
    if not name:
        return "empty entry name"
    if "\x00" in name:
        return "NUL character in entry name"
    if "\\" in name:
        return "backslash in entry name (Windows path)"
    if name.startswith("/"):
        return "absolute path"
    if _DRIVE.match(name):
        return "drive letter in path"
    parts = name.rstrip("/").split("/")
    if any(p == ".." for p in parts):
        return "'..' in path (zip-slip)"
    if any(p in ("", ".") for p in parts):
        return "empty or '.' path component"
    return None


def _wheel_meta(filename: str):
    try:
        name, version, build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as e:
        raise WheelError("%s: not a wheel file name: %s" % (filename, e)) from None
    return canonicalize_name(name), str(version), tags


def _find_dist_info(names: Iterable[str], where: str, name: str) -> str:
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    infos = sorted(t for t in tops if t.endswith(".dist-info"))
    if len(infos) != 1:
        raise WheelError("%s: expected exactly one .dist-info directory, found %s"
                         % (where, infos or "none"))
    info = infos[0]
    if canonicalize_name(info[:-len(".dist-info")].rsplit("-", 1)[0]) != name:
        raise WheelError("%s: .dist-info directory %s does not match the project name %s"
                         % (where, info, name))
    return info


def read_wheel(path, *, verify_record: bool = True) -> Wheel:
    """Open, check and load a wheel into memory.  Raises WheelError on any problem."""
    path = Path(path)
    where = path.name
    if not path.is_file():
        raise WheelError("%s: no such file" % path)
    name, version, tags = _wheel_meta(path.name)
    with open(path, "rb") as f:
        head = f.read(4)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        if head == b"PK\x03\x04":
            raise WheelError("%s: truncated or damaged zip (%s)" % (where, e)) from None
        raise WheelError("%s: not a zip file" % where) from None
    except (OSError, ValueError, EOFError) as e:
        raise WheelError("%s: cannot read zip: %s" % (where, e)) from None
    with zf:
        infos = zf.infolist()
        seen = set()
        total = 0
        for info in infos:
            n = info.filename
            why = check_entry_name(n)
            if why:
                raise WheelError("%s: unsafe entry %r: %s" % (where, n, why))
            if n in seen:
                raise WheelError("%s: duplicate entry %r" % (where, n))
            seen.add(n)
            mode = info.external_attr >> 16
            if info.create_system == 3 and stat.S_ISLNK(mode):
                raise WheelError("%s: symlink entry %r (wheels cannot contain symlinks)" % (where, n))
            if info.file_size > MAX_ENTRY_SIZE:
                raise WheelError("%s: entry %r claims %d bytes uncompressed (limit %d): zip bomb?"
                                 % (where, n, info.file_size, MAX_ENTRY_SIZE))
            if (info.file_size > RATIO_MIN_SIZE
                    and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                raise WheelError("%s: entry %r expands %d -> %d bytes (ratio > %d): zip bomb?"
                                 % (where, n, info.compress_size, info.file_size, MAX_RATIO))
            total += info.file_size
            if total > MAX_TOTAL_SIZE:
                raise WheelError("%s: total uncompressed size over %d bytes: zip bomb?"
                                 % (where, MAX_TOTAL_SIZE))
        files: Dict[str, Entry] = {}
        for info in infos:
            if info.is_dir():
                continue
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                    NotImplementedError) as e:
                raise WheelError("%s: entry %r is damaged or truncated: %s"
                                 % (where, info.filename, e)) from None
            if len(data) != info.file_size:
                raise WheelError("%s: entry %r size %d does not match the zip directory (%d)"
                                 % (where, info.filename, len(data), info.file_size))
            mode = (info.external_attr >> 16) & 0o777
            files[info.filename] = Entry(data, 0o755 if mode & 0o111 else 0o644)
    dist_info = _find_dist_info(files, where, name)
    for required in ("METADATA", "WHEEL", "RECORD"):
        if dist_info + "/" + required not in files:
            raise WheelError("%s: %s/%s is missing" % (where, dist_info, required))
    if verify_record:
        _verify_record(files, dist_info, where)
    w = Wheel(path, path.name, name, version, frozenset(tags), dist_info,
              dict(sorted(files.items())), path.stat().st_size)
    return w


def _verify_record(files: Dict[str, Entry], dist_info: str, where: str) -> None:
    record_name = dist_info + "/RECORD"
    try:
        text = files[record_name].data.decode("utf-8")
    except UnicodeDecodeError:
        raise WheelError("%s: RECORD is not UTF-8" % where) from None
    listed = {}
    for row in csv.reader(io.StringIO(text)):
        if not row:
            continue
        if len(row) != 3:
            raise WheelError("%s: RECORD line %r does not have 3 fields" % (where, ",".join(row)))
        p, h, s = row
        if p in listed:
            raise WheelError("%s: RECORD lists %r twice" % (where, p))
        listed[p] = (h, s)
    unsigned = {record_name, dist_info + "/RECORD.jws", dist_info + "/RECORD.p7s"}
    for p, e in files.items():
        if p in unsigned:
            continue
        if p not in listed:
            raise WheelError("%s: RECORD does not match: %r is not listed" % (where, p))
        h, s = listed[p]
        if "=" not in h:
            raise WheelError("%s: RECORD does not match: no hash for %r" % (where, p))
        algo, _, digest = h.partition("=")
        if algo not in ("sha256", "sha384", "sha512", "blake2b", "sha3_256"):
            raise WheelError("%s: RECORD uses unsupported hash %r for %r" % (where, algo, p))
        got = base64.urlsafe_b64encode(hashlib.new(algo, e.data).digest()).rstrip(b"=").decode()
        if got != digest.rstrip("="):
            raise WheelError("%s: RECORD does not match: hash of %r differs" % (where, p))
        if s and s != str(e.size):
            raise WheelError("%s: RECORD does not match: size of %r is %d, RECORD says %s"
                             % (where, p, e.size, s))
    for p in listed:
        if p not in files and not p.endswith("/"):
            raise WheelError("%s: RECORD does not match: %r is listed but not in the wheel" % (where, p))


def _order(names: Iterable[str], dist_info: str):
    record = dist_info + "/RECORD"
    names = [n for n in names if n != record]
    body = sorted(n for n in names if not n.startswith(dist_info + "/"))
    meta = sorted(n for n in names if n.startswith(dist_info + "/"))
    return body + meta + [record]


def build_record(files: Dict[str, Entry], dist_info: str) -> bytes:
    record = dist_info + "/RECORD"
    out = io.StringIO()
    wr = csv.writer(out, lineterminator="\n")
    for n in _order(files, dist_info):
        if n == record:
            wr.writerow([n, "", ""])
        else:
            e = files[n]
            wr.writerow([n, record_hash(e.data), e.size])
    return out.getvalue().encode("utf-8")


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
    files[dist_info + "/RECORD"] = Entry(build_record(files, dist_info))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + out_path.name + ".", suffix=".part", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            _write_zip(raw, [(n, files[n]) for n in _order(files, dist_info)])
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return out_path


def _raw_deflate(data: bytes) -> bytes:
    """Raw DEFLATE at the best ratio available: libdeflate level 12 (``deflate`` package,
    ~4% smaller than zlib -9, still plain DEFLATE that every unzip reads), else zlib -9."""
    try:
        import deflate
        return deflate.deflate_compress(data, 12)
    except ImportError:
        c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
        return c.compress(data) + c.flush()


_DOS_DATE = ((ZIP_EPOCH[0] - 1980) << 9) | (ZIP_EPOCH[1] << 5) | ZIP_EPOCH[2]
_DOS_TIME = (ZIP_EPOCH[3] << 11) | (ZIP_EPOCH[4] << 5) | (ZIP_EPOCH[5] // 2)


def _write_zip(out, entries) -> None:
    """Write a plain zip (no zip64, no extra fields, no data descriptors): deflate (or stored
    when deflate does not help), fixed date, unix permissions."""
    import struct
    from concurrent.futures import ThreadPoolExecutor

    def pack(item):
        name, e = item
        data = e.data
        comp = _raw_deflate(data) if data else b""
        if data and len(comp) < len(data):
            return name, e, 8, comp
        return name, e, 0, data

    if len(entries) >= 0xFFFF:
        raise WheelError("too many files for a plain zip (%d)" % len(entries))
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as ex:
        packed = list(ex.map(pack, entries))
    central = []
    offset = 0
    for name, e, method, payload in packed:
        bname = name.encode("utf-8")
        flags = 0x800 if not name.isascii() else 0
        crc = zlib.crc32(e.data) & 0xFFFFFFFF
        if offset > 0xFFFFFFFF or len(e.data) > 0xFFFFFFFF or len(payload) > 0xFFFFFFFF:
            raise WheelError("wheel too large for a plain zip (entry %r)" % name)
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, _DOS_TIME, _DOS_DATE,
                            crc, len(payload), len(e.data), len(bname), 0)
        out.write(local)
        out.write(bname)
        out.write(payload)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, flags,
                                   method, _DOS_TIME, _DOS_DATE, crc, len(payload), len(e.data),
                                   len(bname), 0, 0, 0, 0, (stat.S_IFREG | e.mode) << 16, offset)
                       + bname)
        offset += len(local) + len(bname) + len(payload)
    cd = b"".join(central)
    if offset > 0xFFFFFFFF:
        raise WheelError("wheel too large for a plain zip")
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(cd), offset, 0))


def read_tree(root, *, keep_only: Optional[Iterable[str]] = None) -> Dict[str, Entry]:
    """Load the regular files below ``root`` (symlinks are an error)."""
    root = Path(root)
    files = {}
    only = set(keep_only) if keep_only is not None else None
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            p = Path(dirpath) / fn
            rel = p.relative_to(root).as_posix()
            if only is not None and rel not in only:
                continue
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                raise WheelError("%s: symlinks cannot go into a wheel" % rel)
            if not stat.S_ISREG(st.st_mode):
                raise WheelError("%s: not a regular file" % rel)
            files[rel] = Entry(p.read_bytes(), 0o755 if st.st_mode & 0o111 else 0o644)
    return files


class InWheel:
    """``with InWheel(src, dst) as tree:`` unpack ``src`` to a temporary directory,
    let the body change ``tree``, and write ``dst`` (RECORD rewritten) when the body
    succeeds.  On an exception nothing is written; ``src`` is never modified."""

    def __init__(self, src, dst=None):
        self.src = Path(src)
        self.dst = Path(dst) if dst is not None else None
        if self.dst is not None and self.dst.resolve() == self.src.resolve():
            raise WheelError("%s: refusing to overwrite the input wheel" % self.src.name)
        self.wheel: Optional[Wheel] = None
        self._tmp = None

    def __enter__(self) -> Path:
        self.wheel = read_wheel(self.src)
        self._tmp = tempfile.mkdtemp(prefix="slim-inwheel-")
        try:
            return self.wheel.extract(Path(self._tmp) / "tree")
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise

    def __exit__(self, et, ev, tb):
        try:
            if et is None and self.dst is not None:
                files = read_tree(Path(self._tmp) / "tree")
                write_wheel(files, self.wheel.dist_info, self.dst)
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)
        return False
