"""Archive member names: what is safe to unpack on Linux, macOS and Windows alike."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Optional

MAX_NAME_BYTES = 1024        # whole member name (it is joined to a work folder when unpacked)
MAX_COMPONENT_BYTES = 255    # one path component (NAME_MAX on Linux and macOS)
_DRIVE = re.compile(r"^[A-Za-z]:")


def check_entry_name(name: str) -> Optional[str]:
    """Why ``name`` is not a safe relative archive path, or None."""
    if not name:
        return "empty entry name"
    if "\x00" in name:
        return "NUL character in entry name"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "control character in entry name"
    if "\\" in name:
        return "backslash in entry name (Windows path)"
    if name.startswith("/"):
        return "absolute path"
    if _DRIVE.match(name):
        return "drive letter in path"
    raw = name.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_NAME_BYTES:
        return "entry name is %d bytes long (limit %d)" % (len(raw), MAX_NAME_BYTES)
    parts = name[:-1].split("/") if name.endswith("/") else name.split("/")
    if any(p == ".." for p in parts):
        return "'..' in path (zip-slip)"
    if any(p in ("", ".") for p in parts):
        return "empty or '.' path component"
    long = [p for p in parts if len(p.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES]
    if long:
        return "a path component is %d bytes long (limit %d)" % (
            len(long[0].encode("utf-8", "surrogatepass")), MAX_COMPONENT_BYTES)
    return None


def find_clash(names: Iterable[str]) -> Optional[str]:
    """Why these member names cannot all be unpacked side by side, or None.

    Clashes: the same name twice; two paths equal after Unicode NFC normalization (macOS
    stores NFD) or case folding (Windows and macOS are case-insensitive); a name that is a
    file in one entry and a directory of another.
    """
    files, dirs = set(), set()
    folded = {}     # normalized + case-folded path (files and their parent folders) -> as written
    for n in names:
        is_dir = n.endswith("/")
        n = n.rstrip("/")
        if not is_dir and n in files:
            return "duplicate entry %r" % n
        parts = n.split("/")
        for i in range(1, len(parts) + 1):
            node = "/".join(parts[:i])
            key = unicodedata.normalize("NFC", node).casefold()
            other = folded.setdefault(key, node)
            if other != node:
                how = ("Unicode normalization (NFC/NFD)"
                       if unicodedata.normalize("NFC", other) == unicodedata.normalize("NFC", node)
                       else "letter case")
                return ("%r and %r differ only in %s: the same file on Windows/macOS"
                        % (other, node, how))
            if i < len(parts):
                dirs.add(node)
        (dirs if is_dir else files).add(n)
    both = files & dirs
    if both:
        return "%r is both a file and a directory" % sorted(both)[0]
    return None
