"""Hostile and malformed wheels, built byte by byte here (independent of slim's own writer).

``CASES`` maps a case name to (builder, exit code, words the one-line message must hold).
Each builder writes one file into a folder and returns its path.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

PKG = {"demo/__init__.py": b"VALUE = 42\n", "demo/data.bin": b"\1" * 3000}


def _hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_files(files=None, name="demo", version="1.0", tag="py3-none-any", di_version=None,
                md_version=None, wheel_tag=None, extra_record=""):
    """{archive name: bytes} of a wheel, RECORD included (knobs make it inconsistent)."""
    files = dict(PKG if files is None else files)
    di = "%s-%s.dist-info" % (name, di_version or version)
    files.setdefault(di + "/METADATA", ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
                                        % (name, md_version or version)).encode())
    files.setdefault(di + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                                     "Tag: %s\n" % (wheel_tag or tag)).encode())
    out = io.StringIO()
    wr = csv.writer(out, lineterminator="\n")
    for k, v in files.items():
        if not k.endswith("/"):
            wr.writerow([k, _hash(v), len(v)])
    wr.writerow([di + "/RECORD", "", ""])
    files[di + "/RECORD"] = (out.getvalue() + extra_record).encode()
    return files


def write_zip(path: Path, files, method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for k, v in files.items():
            zf.writestr(k, v)
    return path


def _name(d: Path, name="demo", version="1.0", tag="py3-none-any") -> Path:
    return Path(d) / ("%s-%s-%s.whl" % (name, version, tag))


def _patch_flag(path: Path, member: str, bits: int) -> Path:
    """Set general-purpose flag bits of one member in its local and central headers."""
    raw = bytearray(path.read_bytes())
    bname = member.encode()
    for sig, flag_off, name_len_off, name_off in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        pos = 0
        while True:
            pos = raw.find(sig, pos)
            if pos < 0:
                break
            n = struct.unpack_from("<H", raw, pos + name_len_off)[0]
            if raw[pos + name_off: pos + name_off + n] == bname:
                struct.pack_into("<H", raw, pos + flag_off, struct.unpack_from("<H", raw, pos + flag_off)[0] | bits)
            pos += 4
    path.write_bytes(bytes(raw))
    return path


def raw_zip(path: Path, entries) -> Path:
    """A zip written by hand: entries are (name, method, payload, crc, size, flags, extra_attr)."""
    out, central = bytearray(), bytearray()
    for name, method, payload, crc, size, flags, attr in entries:
        b = name.encode("utf-8")
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 33, crc, len(payload),
                           size, len(b), 0) + b + payload
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, flags, method, 0,
                               33, crc, len(payload), size, len(b), 0, 0, 0, 0, attr, off) + b
    cd_off = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                                 len(central), cd_off, 0)
    path.write_bytes(bytes(out))
    return path


def _stored(files):
    return [(n, 0, v, zlib.crc32(v) & 0xFFFFFFFF, len(v), 0x800, 0o644 << 16) for n, v in files.items()]


# ------------------------------------------------------------------------- builders
def not_zip(d):
    p = _name(d)
    p.write_bytes(b"this is not a zip file at all" * 10)
    return p


def truncated(d):
    p = write_zip(_name(d), wheel_files({**PKG, "demo/big.bin": bytes(range(256)) * 64}))
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p


def with_entry(name, data=b"x"):
    def build(d):
        return raw_zip(_name(d), _stored({**wheel_files(), name: data}))
    return build


def encrypted(d):
    return _patch_flag(write_zip(_name(d), wheel_files()), "demo/__init__.py", 0x1)


def symlink(d):
    files = wheel_files()
    ents = _stored(files) + [("demo/link", 0, b"/etc/passwd", zlib.crc32(b"/etc/passwd"), 11, 0x800,
                              (0o120777) << 16)]
    return raw_zip(_name(d), ents)


def duplicate(d):
    files = wheel_files()
    return raw_zip(_name(d), _stored(files) + _stored({"demo/__init__.py": b"X = 2\n"}))


def record_hash_differs(d):
    files = wheel_files()
    files["demo/__init__.py"] = b"VALUE = 43\n"
    return write_zip(_name(d), files)


def record_missing_file(d):
    files = wheel_files()
    files["demo/extra.py"] = b"X = 1\n"
    return write_zip(_name(d), files)


def record_extra_file(d):
    return write_zip(_name(d), wheel_files(extra_record="demo/ghost.py,sha256=abc,3\n"))


def record_huge_field(d):
    """A RECORD field over csv's default 131072-character limit."""
    return write_zip(_name(d), wheel_files(extra_record="demo/%s,,\n" % ("x" * 200000)))


def declared_size_bomb(d):
    p = write_zip(_name(d), wheel_files({**PKG, "demo/huge.bin": b"\0" * 1000}))
    raw = bytearray(p.read_bytes())
    pos = 0
    while True:
        pos = raw.find(b"PK\x01\x02", pos)
        n = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46: pos + 46 + n] == b"demo/huge.bin":
            struct.pack_into("<I", raw, pos + 24, 0xFFFFFFF0)
            break
        pos += 4
    p.write_bytes(bytes(raw))
    return p


def many_inflating_entries(d):
    """8 MB on disk, 7.6 GiB inflated: 130 entries of 60 MiB of zeros (each under every
    per-entry limit a naive reader has; only the total gives it away)."""
    size = 60 * 1024 * 1024
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = c.compress(bytes(size)) + c.flush()
    crc = zlib.crc32(bytes(size)) & 0xFFFFFFFF
    files = wheel_files()
    ents = _stored(files) + [("demo/zeros%03d.bin" % i, 8, payload, crc, size, 0x800, 0o644 << 16)
                             for i in range(130)]
    return raw_zip(_name(d), ents)


def too_many_entries(d):
    files = wheel_files()
    p = _name(d)
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as zf:
        for k, v in files.items():
            zf.writestr(k, v)
        for i in range(100_000):
            zf.writestr("demo/f/%06d" % i, b"")
    return p


def file_dir_clash(d):
    return raw_zip(_name(d), _stored({**wheel_files(), "demo/x": b"file", "demo/x/y": b"below"}))


def nfc_nfd_twins(d):
    return raw_zip(_name(d), _stored({**wheel_files(), "demo/caf\u00e9.py": b"A = 1\n",
                                      "demo/cafe\u0301.py": b"A = 2\n"}))


def case_twins(d):
    return raw_zip(_name(d), _stored({**wheel_files(), "demo/Readme.txt": b"a", "demo/README.txt": b"b"}))


def junk_before(d):
    p = write_zip(_name(d), wheel_files())
    p.write_bytes(b"JUNK" * 256 + p.read_bytes())
    return p


def junk_after(d):
    p = write_zip(_name(d), wheel_files())
    p.write_bytes(p.read_bytes() + b"TRAILING DATA")
    return p


def tags_disagree(d):
    return write_zip(_name(d), wheel_files(wheel_tag="cp311-cp311-linux_x86_64"))


def dist_info_version(d):
    return write_zip(_name(d), wheel_files(di_version="2.0"))


def metadata_version(d):
    return write_zip(_name(d), wheel_files(md_version="2.0"))


def bad_method(d):
    files = wheel_files()
    ents = [(n, 9 if n == "demo/data.bin" else 0, v, zlib.crc32(v) & 0xFFFFFFFF, len(v), 0x800, 0o644 << 16)
            for n, v in files.items()]
    return raw_zip(_name(d), ents)


def central_points_elsewhere(d):
    """Two central entries pointing at the same local data (the second's name differs)."""
    p = raw_zip(_name(d), _stored({**wheel_files(), "demo/a.bin": b"A" * 100, "demo/b.bin": b"A" * 100}))
    raw = bytearray(p.read_bytes())
    offs = {}
    pos = 0
    while True:
        pos = raw.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        n = struct.unpack_from("<H", raw, pos + 28)[0]
        offs[bytes(raw[pos + 46: pos + 46 + n])] = pos
        pos += 4
    a_off = struct.unpack_from("<I", raw, offs[b"demo/a.bin"] + 42)[0]
    struct.pack_into("<I", raw, offs[b"demo/b.bin"] + 42, a_off)
    p.write_bytes(bytes(raw))
    return p


def overlapping(d):
    """Entry a's data holds a complete local entry b (the overlapping-files zip-bomb trick)."""
    inner = b"B" * 100
    bn = b"demo/b.bin"
    crc_b = zlib.crc32(inner) & 0xFFFFFFFF
    local_b = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 0, 0, 33, crc_b, len(inner),
                          len(inner), len(bn), 0) + bn + inner
    files = wheel_files({**PKG, "demo/a.bin": local_b, "demo/b.bin": inner})
    ents = _stored({k: v for k, v in files.items() if k != "demo/b.bin"})
    p = raw_zip(_name(d), ents)
    raw = bytearray(p.read_bytes())
    a_local = raw.find(b"PK\x03\x04" + struct.pack("<HHH", 20, 0x800, 0) + b"\0\0!\0"
                       + struct.pack("<I", zlib.crc32(local_b) & 0xFFFFFFFF))
    b_local = a_local + 30 + len("demo/a.bin")
    cd = raw.find(b"PK\x05\x06")
    n_entries, cd_size, cd_off = struct.unpack_from("<HIH", raw, cd + 10)[0], \
        struct.unpack_from("<I", raw, cd + 12)[0], struct.unpack_from("<I", raw, cd + 16)[0]
    central_b = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0x800, 0, 0, 33, crc_b,
                            len(inner), len(inner), len(bn), 0, 0, 0, 0, 0o644 << 16, b_local) + bn
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n_entries + 1, n_entries + 1,
                       cd_size + len(central_b), cd_off, 0)
    p.write_bytes(bytes(raw[:cd]) + central_b + eocd)
    return p


CASES = {
    "not a zip": (not_zip, 3, "not a zip"),
    "truncated": (truncated, 3, "truncated"),
    "absolute path": (with_entry("/etc/evil"), 3, "absolute"),
    "dotdot": (with_entry("demo/../../evil"), 3, "zip-slip"),
    "backslash": (with_entry("..\\evil"), 3, "backslash"),
    "drive letter": (with_entry("C:/evil"), 3, "drive letter"),
    "NUL in name": (with_entry("demo/a\x00b"), 3, "NUL"),
    "control character": (with_entry("demo/a\nb"), 3, "control character"),
    "over-long name": (with_entry("demo/" + "a" * 300 + ".py"), 3, "bytes long"),
    "encrypted entry": (encrypted, 3, "encrypted"),
    "symlink": (symlink, 3, "symlink"),
    "duplicate": (duplicate, 3, "duplicate"),
    "file/dir clash": (file_dir_clash, 3, "both a file and a directory"),
    "NFC/NFD twins": (nfc_nfd_twins, 3, "Unicode normalization"),
    "case twins": (case_twins, 3, "letter case"),
    "record hash": (record_hash_differs, 3, "hash of 'demo/__init__.py' differs"),
    "record missing file": (record_missing_file, 3, "not listed"),
    "record extra file": (record_extra_file, 3, "not in the wheel"),
    "record huge field": (record_huge_field, 3, "record"),
    "declared size bomb": (declared_size_bomb, 3, "zip bomb"),
    "7.6 GiB in 130 entries": (many_inflating_entries, 3, "zip bomb"),
    "100k entries": (too_many_entries, 3, "too many files"),
    "junk before the zip": (junk_before, 3, "data before the zip"),
    "junk after the zip": (junk_after, 3, "data after the end"),
    "tags disagree with WHEEL": (tags_disagree, 3, "tags disagree with WHEEL"),
    "dist-info version": (dist_info_version, 3, "does not match the version"),
    "METADATA version": (metadata_version, 3, "METADATA says version"),
    "compression method": (bad_method, 3, "compression method 9"),
    "overlapping entries": (overlapping, 3, "overlap"),
    "two entries, one local header": (central_points_elsewhere, 3, "local header names it"),
}
