"""The ``.dist-info`` files: RECORD (parse, check, write), WHEEL (tags vs file name), METADATA.

One writer for every wheel slim makes (pruned, stripped, cross-built): :func:`build_record`,
:func:`wheel_text` and :func:`metadata_text`.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
from email.parser import HeaderParser
from typing import Dict, Iterable, List, Optional, Tuple

from packaging.tags import parse_tag
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..errors import WheelError

HASHES = ("sha256", "sha384", "sha512", "blake2b", "sha3_256")
MAX_META_BYTES = 32 * 1024 ** 2     # RECORD / METADATA / WHEEL are read into memory: cap them


def b64_digest(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def record_hash(data: bytes) -> str:
    return "sha256=" + b64_digest(hashlib.sha256(data).digest())


def parse_record(text: str, where: str) -> Dict[str, Tuple[str, str]]:
    """{path: (hash, size)}; any malformed line is a WheelError."""
    listed: Dict[str, Tuple[str, str]] = {}
    old = csv.field_size_limit()
    try:
        csv.field_size_limit(MAX_META_BYTES)
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as e:
        raise WheelError("%s: RECORD is not valid CSV: %s" % (where, e)) from None
    finally:
        csv.field_size_limit(old)
    for i, row in enumerate(rows, 1):
        if not row:
            continue
        if len(row) != 3:
            raise WheelError("%s: RECORD line %d has %d fields, not 3" % (where, i, len(row)))
        p, h, s = row
        if p in listed:
            raise WheelError("%s: RECORD lists %r twice" % (where, p[:200]))
        if s and not s.isdigit():
            raise WheelError("%s: RECORD line %d: size %r is not a number" % (where, i, s[:40]))
        listed[p] = (h, s)
    return listed


class RecordCheck:
    """Checks each member against RECORD while it is streamed (hash + size)."""

    def __init__(self, record_text: str, dist_info: str, where: str):
        self.where = where
        self.listed = parse_record(record_text, where)
        self.unsigned = {dist_info + "/RECORD", dist_info + "/RECORD.jws", dist_info + "/RECORD.p7s"}

    def hasher(self, name: str):
        """A hashlib object for the algorithm RECORD uses for ``name`` (None: not hashed)."""
        if name in self.unsigned:
            return None
        if name not in self.listed:
            raise WheelError("%s: RECORD does not match: %r is not listed" % (self.where, name))
        h = self.listed[name][0]
        algo, sep, _ = h.partition("=")
        if not sep:
            raise WheelError("%s: RECORD does not match: no hash for %r" % (self.where, name))
        if algo not in HASHES:
            raise WheelError("%s: RECORD uses unsupported hash %r for %r" % (self.where, algo[:20], name))
        return hashlib.new(algo)

    def verify(self, name: str, hasher, size: int) -> None:
        if hasher is None:
            return
        h, s = self.listed[name]
        if b64_digest(hasher.digest()) != h.partition("=")[2].rstrip("="):
            raise WheelError("%s: RECORD does not match: hash of %r differs" % (self.where, name))
        if s and int(s) != size:
            raise WheelError("%s: RECORD does not match: size of %r is %d, RECORD says %s"
                             % (self.where, name, size, s))

    def unlisted_extra(self, names: Iterable[str]) -> None:
        have = set(names)
        for p in self.listed:
            if p not in have and not p.endswith("/"):
                raise WheelError("%s: RECORD does not match: %r is listed but not in the wheel"
                                 % (self.where, p[:200]))


def order(names: Iterable[str], dist_info: str) -> List[str]:
    """Archive order: the package first (sorted), then .dist-info (sorted), RECORD last."""
    record = dist_info + "/RECORD"
    names = [n for n in names if n != record]
    body = sorted(n for n in names if not n.startswith(dist_info + "/"))
    meta = sorted(n for n in names if n.startswith(dist_info + "/"))
    return body + meta + [record]


def build_record(rows: Iterable[Tuple[str, str, int]], dist_info: str) -> bytes:
    """RECORD text from (path, hash, size) rows in archive order, RECORD's own row last."""
    out = io.StringIO()
    wr = csv.writer(out, lineterminator="\n")
    for n, h, size in rows:
        wr.writerow([n, h, size])
    wr.writerow([dist_info + "/RECORD", "", ""])
    return out.getvalue().encode("utf-8")


def parse_headers(data: bytes, what: str, where: str):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise WheelError("%s: %s is not UTF-8" % (where, what)) from None
    return HeaderParser().parsestr(text)


def check_wheel_file(data: bytes, tags: frozenset, where: str) -> None:
    """WHEEL must be version 1.x and carry exactly the tags of the file name."""
    msg = parse_headers(data, "WHEEL", where)
    ver = (msg.get("Wheel-Version") or "").strip()
    if not ver or ver.split(".")[0] != "1":
        raise WheelError("%s: WHEEL says Wheel-Version %r (slim reads 1.x)" % (where, ver[:20]))
    declared = set()
    for t in msg.get_all("Tag") or []:
        try:
            declared |= set(parse_tag(t.strip()))
        except ValueError:
            raise WheelError("%s: WHEEL has a malformed Tag %r" % (where, t[:60])) from None
    if declared != set(tags):
        name_only = sorted(str(t) for t in set(tags) - declared)
        wheel_only = sorted(str(t) for t in declared - set(tags))
        raise WheelError("%s: the file name's tags disagree with WHEEL (only in the name: %s; only "
                         "in WHEEL: %s)" % (where, ", ".join(name_only[:4]) or "-",
                                            ", ".join(wheel_only[:4]) or "-"))


def check_metadata_file(data: bytes, name: str, version: str, where: str) -> None:
    """METADATA's Name and Version must be the file name's."""
    msg = parse_headers(data, "METADATA", where)
    mname, mver = (msg.get("Name") or "").strip(), (msg.get("Version") or "").strip()
    if canonicalize_name(mname) != name:
        raise WheelError("%s: METADATA names the project %r, the file name %r" % (where, mname[:60], name))
    if not same_version(mver, version):
        raise WheelError("%s: METADATA says version %r, the file name %r" % (where, mver[:40], version))


def same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def find_dist_info(names: Iterable[str], name: str, version: str, where: str) -> str:
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    infos = sorted(t for t in tops if t.endswith(".dist-info"))
    if len(infos) != 1:
        raise WheelError("%s: expected exactly one .dist-info directory, found %s"
                         % (where, ", ".join(infos[:5]) or "none"))
    info = infos[0]
    dname, _, dver = info[:-len(".dist-info")].rpartition("-")
    if canonicalize_name(dname) != name:
        raise WheelError("%s: .dist-info directory %s does not match the project name %s"
                         % (where, info, name))
    if not same_version(dver, version):
        raise WheelError("%s: .dist-info directory %s does not match the version %s"
                         % (where, info, version))
    return info


def wheel_text(generator: str, tags: Iterable[str], purelib: bool = False) -> bytes:
    lines = ["Wheel-Version: 1.0", "Generator: %s" % generator,
             "Root-Is-Purelib: %s" % ("true" if purelib else "false")]
    lines += ["Tag: %s" % t for t in tags]
    return ("\n".join(lines) + "\n").encode()


def metadata_text(project: dict, readme: Optional[Tuple[str, str]] = None) -> bytes:
    """Core metadata 2.1 from a pyproject ``[project]`` table (+ README text and content type)."""
    md = ["Metadata-Version: 2.1", "Name: %s" % project["name"], "Version: %s" % project["version"]]
    if project.get("description"):
        md.append("Summary: %s" % project["description"])
    if project.get("requires-python"):
        md.append("Requires-Python: %s" % project["requires-python"])
    lic = project.get("license", {})
    if isinstance(lic, dict) and lic.get("text"):
        md.append("License: %s" % lic["text"])
    for extra, reqs in sorted(project.get("optional-dependencies", {}).items()):
        md.append("Provides-Extra: %s" % extra)
        for r in reqs:
            md.append('Requires-Dist: %s; extra == "%s"' % (r, extra))
    for r in project.get("dependencies", []):
        md.append("Requires-Dist: %s" % r)
    if readme:
        md.append("Description-Content-Type: %s" % readme[1])
    text = "\n".join(md) + "\n"
    if readme:
        text += "\n" + readme[0]
    return text.encode("utf-8")
