"""slim inspect: where the bytes of a wheel are."""
from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path

from . import strip as ST
from . import wheel as W
from .binfmt import BinaryFormatError
from .report import human_size, table


def file_type(rel: str, head: bytes) -> str:
    if head[:4] == ST.ELF_MAGIC:
        return "ELF"
    if head[:2] == b"MZ":
        return "PE"
    name = rel.rsplit("/", 1)[-1]
    if ".so." in name:
        return ".so"
    ext = os.path.splitext(name)[1].lower()
    return ext or "(none)"


def _binary(rel: str, ft: str, p: Path, m, compressed: int) -> dict:
    try:
        info = ST.elf_info(p) if ft == "ELF" else ST.pe_info(p)
        status = ("not stripped" if info["has_symtab"] else
                  "debug info" if info["has_debug"] else "stripped")
        note, machine = "", info["machine"]
        if ft == "ELF":
            note = "misaligned PT_LOAD (strip unsafe)" if ST.elf_alignment_problems(p) else ""
        else:
            machine = hex(machine)
    except (BinaryFormatError, OSError) as ex:  # still report the file
        status, note, machine = "unreadable: %s" % ex, "", "?"
    return {"path": rel, "format": ft, "machine": machine, "size": m.size,
            "compressed": compressed, "strip": status, "note": note}


def inspect_wheel(path, depth: int = 2) -> dict:
    by_dir = defaultdict(lambda: [0, 0, 0])
    by_type = defaultdict(lambda: [0, 0, 0])
    binaries = []
    with tempfile.TemporaryDirectory(prefix="slim-inspect-") as tmp:
        w = W.read_wheel(path, dest=Path(tmp) / "t")   # checked and unpacked in one pass
        for rel, m in w.files.items():
            p = Path(tmp, "t", *rel.split("/"))
            with open(p, "rb") as f:
                head = f.read(4)
            parts = rel.split("/")
            d = "/".join(parts[:min(depth, len(parts) - 1)]) or "(top level)"
            ft = file_type(rel, head)
            if ft == "PE" and ST.binary_kind(p) != "pe":
                ft = os.path.splitext(rel)[1].lower() or "(none)"
            for acc in (by_dir[d], by_type[ft]):
                acc[0] += 1
                acc[1] += m.size
                acc[2] += m.compress_size
            if ft in ("ELF", "PE"):
                binaries.append(_binary(rel, ft, p, m, m.compress_size))
    return {
        "wheel": w.filename, "name": w.name, "version": w.version,
        "tags": sorted(str(t) for t in w.tags), "platforms": w.platform_tags,
        "compressed": w.compressed_size, "installed": w.installed_size, "files": len(w.files),
        "by_dir": sorted(({"dir": k, "files": v[0], "size": v[1], "compressed": v[2]}
                          for k, v in by_dir.items()), key=lambda d: -d["size"]),
        "by_type": sorted(({"type": k, "files": v[0], "size": v[1], "compressed": v[2]}
                           for k, v in by_type.items()), key=lambda d: -d["size"]),
        "binaries": sorted(binaries, key=lambda d: -d["size"]),
    }


def format_inspect(r: dict, top: int = 15) -> str:
    out = ["%s  (%s %s)" % (r["wheel"], r["name"], r["version"]),
           "platform: %s" % ", ".join(r["platforms"]),
           "size: %s compressed, %s installed, %d files" % (
               human_size(r["compressed"]), human_size(r["installed"]), r["files"]), ""]
    out.append(table([[d["dir"], d["files"], human_size(d["size"]), human_size(d["compressed"])]
                      for d in r["by_dir"][:top]], ["directory", "files", "installed", "compressed"]))
    out.append("")
    out.append(table([[d["type"], d["files"], human_size(d["size"]), human_size(d["compressed"])]
                      for d in r["by_type"][:top]], ["type", "files", "installed", "compressed"]))
    if r["binaries"]:
        out.append("")
        out.append(table([[b["path"], b["format"], b["machine"], human_size(b["size"]), b["strip"], b["note"]]
                          for b in r["binaries"][:top]],
                         ["binary", "format", "machine", "size", "strip status", ""],
                         ["<", "<", "<", ">", "<", "<"]))
        if len(r["binaries"]) > top:
            out.append("... and %d more binaries" % (len(r["binaries"]) - top))
    return "\n".join(out)


def register(subparsers) -> None:
    from .options import positive_int
    p = subparsers.add_parser("inspect", help="size breakdown, binaries and strip status of wheels",
                              description="Show where the bytes of each wheel are: by directory, by "
                                          "file type, and every ELF/PE binary with its strip status "
                                          "and platform tag.")
    p.add_argument("wheels", nargs="+", metavar="WHEEL")
    p.add_argument("--depth", type=positive_int, default=2, help="directory depth of the breakdown (default 2)")
    p.add_argument("--top", type=positive_int, default=15, help="rows per table (default 15)")
    p.add_argument("--json", metavar="REPORT", help="write the data as JSON ('-' = stdout)")
    p.set_defaults(func=_cmd_inspect)


def _cmd_inspect(args) -> int:
    from .options import check_outfile, write_text_atomic
    for w in args.wheels:
        W.input_file(w, "wheel")
    check_outfile(args.json, args.wheels)
    reps = [inspect_wheel(w, args.depth) for w in args.wheels]
    if args.json == "-":
        print(json.dumps(reps, indent=2))
        return 0
    print("\n\n".join(format_inspect(r, args.top) for r in reps))
    if args.json:
        write_text_atomic(args.json, json.dumps(reps, indent=2) + "\n")
    return 0
