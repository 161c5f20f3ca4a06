"""Strip ELF and PE binaries safely.

Tool: ``llvm-strip`` (any LLVM version; override with ``$SLIM_STRIP``).  It reads
every ELF machine (x86-64, aarch64, arm, riscv...) and PE/COFF, unlike Debian's
GNU strip, which only knows the host's ELF (GNU strip is used as a fallback for
host-machine ELF only).

After stripping, each file is checked and the original is kept when:
* the stripped file does not parse, or changed machine/type/program-header count;
* any ELF ``PT_LOAD`` segment has ``(p_offset - p_vaddr) % p_align != 0`` (the
  loader refuses it: "ELF load command address/offset not page-aligned" --
  happens to auditwheel/patchelf-rewritten libraries such as numpy 2.x's);
* the dynamic section lost a ``DT_NEEDED``/``DT_SONAME``;
* for PE: a section's raw data is not aligned to FileAlignment, or the
  machine/characteristics changed;
* it is not smaller.
The smoke test then proves the stripped set (``slim prune``).
"""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from . import binfmt as B

ELF_MAGIC = B.ELF_MAGIC
STATUS_CHANGED = ("stripped", "zeroed")


@dataclass
class StripResult:
    path: str
    kind: str              # "elf" | "pe" | "other"
    before: int
    after: int
    status: str            # "stripped" | "zeroed" | "already-stripped" | "kept-original" | "not-binary" | "no-tool"
    reason: str = ""

    @property
    def saved(self) -> int:
        return self.before - self.after

    def to_dict(self):
        d = asdict(self)
        d["saved"] = self.saved
        return d


binary_kind = B.kind


# ---------------------------------------------------------------- ELF ------
def elf_info(path) -> dict:
    """Headers that must survive stripping, plus strip status.  Raises on a bad file."""
    e = B.ELF(path)
    return {"machine": e.machine, "type": e.type, "class": e.elfclass, "loads": e.loads,
            "needed": e.needed, "soname": e.soname, "has_symtab": e.has_symtab,
            "has_debug": e.has_debug}


def elf_alignment_problems(path) -> List[str]:
    """The PT_LOAD segments the loader would refuse (empty list = fine)."""
    return B.ELF(path).alignment_problems()


def _elf_compare(orig: dict, new: dict) -> Optional[str]:
    for k in ("machine", "type", "class", "needed", "soname"):
        if orig[k] != new[k]:
            return "%s changed (%r -> %r)" % (k, orig[k], new[k])
    if len(orig["loads"]) != len(new["loads"]):
        return "number of PT_LOAD segments changed"
    for a, b in zip(orig["loads"], new["loads"]):
        if a[1] != b[1] or a[4] != b[4]:
            return "PT_LOAD address or memory size changed"
    return None


# ---------------------------------------------------------------- PE -------
def pe_info(path) -> dict:
    with B.PE(path) as pe:
        return {
            "machine": pe.machine_id,
            "characteristics": pe.characteristics & ~0x0200 & ~0x0004 & ~0x0008,
            "file_alignment": pe.file_alignment,
            "sections": [(n, va, vs, ptr, size) for n, va, vs, ptr, size, _c in pe.sections],
            "has_symtab": pe.has_symtab,
            "has_debug": pe.has_debug,
            "entry": pe.entry,
        }


def _pe_check(orig: dict, new: dict) -> Optional[str]:
    for k in ("machine", "characteristics", "entry"):
        if orig[k] != new[k]:
            return "%s changed" % k
    fa = new["file_alignment"]
    for name, va, vs, ptr, size in new["sections"]:
        if size and ptr % fa:
            return "section %s raw data not aligned to FileAlignment 0x%x" % (name, fa)
    keep = {(n, va, vs) for n, va, vs, *_ in orig["sections"] if not n.startswith((".debug", "/"))}
    have = {(n, va, vs) for n, va, vs, *_ in new["sections"]}
    if not keep <= have:
        return "loadable sections changed"
    return None


def elf_zero_strip(path) -> Optional[str]:
    """Strip without moving anything: zero the bytes of .symtab/.strtab/.debug*/.comment
    and mark those sections empty.  Layout, PT_LOAD offsets and alignment stay exactly as
    they are, so it is safe for patchelf-rewritten files where a real strip breaks the
    alignment; the installed size stays but the zeroes compress to almost nothing.
    Returns None on success or why it did nothing."""
    elf = B.ELF(path)
    spans = [(off, off + filesz) for t, off, _v, filesz, _m, _a in elf.segments
             if t in (B.PT_LOAD, B.PT_DYNAMIC, B.PT_NOTE, B.PT_INTERP)]
    todo = []
    for sec in elf.sections:
        name = sec["name"]
        if not (name in (".symtab", ".strtab", ".comment") or name.startswith((".debug", ".zdebug"))):
            continue
        if sec["flags"] & B.SHF_ALLOC or sec["type"] == B.SHT_NOBITS or not sec["size"]:
            continue   # part of the image
        a, b = sec["offset"], sec["offset"] + sec["size"]
        if any(a < e and s < b for s, e in spans) or sec["index"] == elf.shstrndx:
            continue
        todo.append((sec["index"], a, b))
    if not todo:
        return "nothing to zero"
    endian = "<" if elf.little_endian else ">"
    size_field = (32, "Q") if elf.elfclass == 64 else (20, "I")
    with open(path, "r+b") as f:
        for i, a, b in todo:
            f.seek(a)
            f.write(bytes(b - a))
            f.seek(elf.shoff + i * elf.shentsize + size_field[0])
            f.write(struct.pack(endian + size_field[1], 0))
    return None


# ------------------------------------------------------------- tools -------
def _elf_precheck(path) -> Optional[str]:
    probs = elf_alignment_problems(path)
    return "the original is already misaligned: " + "; ".join(probs) if probs else None


def _elf_verify(orig: dict, out) -> Optional[str]:
    problems = elf_alignment_problems(out)
    return "; ".join(problems) if problems else _elf_compare(orig, elf_info(out))


def _pe_verify(orig: dict, out) -> Optional[str]:
    return _pe_check(orig, pe_info(out))


@dataclass(frozen=True)
class Format:
    """How one binary format is stripped and checked."""
    info: Callable                     # path -> header dict (raises BinaryFormatError)
    precheck: Callable                 # path -> why the original must stay as it is, or None
    args: Tuple[str, ...]              # strip tool arguments
    verify: Callable                   # (original's info, stripped path) -> problem or None
    in_place: Optional[Callable]       # strip without moving anything, when a real strip breaks it
    gnu_strip_machines: Tuple = ()     # machines GNU strip (the host's) can handle


FORMATS = {
    "elf": Format(elf_info, _elf_precheck, ("--strip-all",), _elf_verify, elf_zero_strip,
                  (None, "EM_X86_64")),
    "pe": Format(pe_info, lambda path: None, ("--strip-debug", "--strip-all"), _pe_verify, None),
}


def find_strip_tool(kind: str = "elf", machine=None) -> Optional[List[str]]:
    env = os.environ.get("SLIM_STRIP")
    if env:
        return [env]
    for name in ["llvm-strip"] + ["llvm-strip-%d" % v for v in range(21, 12, -1)]:
        p = shutil.which(name)
        if p:
            return [p]
    if machine in FORMATS[kind].gnu_strip_machines and shutil.which("strip"):
        return [shutil.which("strip")]
    return None


def _replace(path: Path, new: Path) -> None:
    mode = path.stat().st_mode
    shutil.copyfile(new, path)
    os.chmod(path, mode)


def strip_file(path, *, tool: Optional[List[str]] = None, rel: Optional[str] = None) -> StripResult:
    """Strip ``path`` in place if that is safe; otherwise leave it untouched."""
    path = Path(path)
    rel = rel or str(path)
    before = path.stat().st_size
    kind = binary_kind(path)
    if kind not in FORMATS:
        return StripResult(rel, kind, before, before, "not-binary")
    fmt = FORMATS[kind]

    def keep(status, why=""):
        return StripResult(rel, kind, before, before, status, why)
    try:
        orig = fmt.info(path)
        why = fmt.precheck(path)
    except (B.BinaryFormatError, OSError) as e:  # unreadable headers: do not touch
        return keep("kept-original", "cannot parse headers: %s" % e)
    if why:
        return keep("kept-original", why)
    if not orig["has_symtab"] and not orig["has_debug"]:
        return keep("already-stripped")
    tool = tool or find_strip_tool(kind, orig.get("machine"))
    if not tool:
        return keep("no-tool", "no strip tool for this file (install llvm: llvm-strip)")
    with tempfile.TemporaryDirectory(prefix="slim-strip-") as tmp:
        out = Path(tmp) / "stripped"
        r = subprocess.run(tool + list(fmt.args) + [str(path), "-o", str(out)], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
        if r.returncode != 0 or not out.exists():
            return keep("kept-original", "%s failed: %s" % (Path(tool[0]).name, r.stderr.strip()[:200]))
        try:
            why = fmt.verify(orig, out)
        except (B.BinaryFormatError, OSError) as e:
            why = "stripped file does not parse: %s" % e
        after = out.stat().st_size
        if why and fmt.in_place is not None:
            # a real strip would break the file: strip in place instead (layout untouched)
            shutil.copyfile(path, out)
            if fmt.in_place(out) is None:
                try:
                    zcheck = fmt.verify(orig, out)
                except (B.BinaryFormatError, OSError) as e:
                    zcheck = "zeroed file does not parse: %s" % e
                if not zcheck:
                    _replace(path, out)
                    return keep("zeroed", "%s; symbols zeroed in place instead" % why)
        if why:
            return keep("kept-original", why)
        if after >= before:
            return keep("kept-original", "not smaller")
        _replace(path, out)
        return StripResult(rel, kind, before, after, "stripped")


def strip_tree(root, *, jobs: int = 1, exclude=lambda rel: False) -> List[StripResult]:
    """Strip every ELF/PE file below ``root`` in place (safely); results sorted by path."""
    root = Path(root)
    paths = []
    for dirpath, dirnames, filenames in os.walk(root):
        for fn in filenames:
            p = Path(dirpath) / fn
            rel = p.relative_to(root).as_posix()
            if not p.is_symlink() and not exclude(rel) and binary_kind(p) != "other":
                paths.append((p, rel))
    paths.sort(key=lambda t: t[1])
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        return list(ex.map(lambda t: strip_file(t[0], rel=t[1]), paths))


def register(subparsers) -> None:
    from .options import positive_int
    p = subparsers.add_parser(
        "strip", help="strip symbols from the ELF/PE binaries of wheels (checked, no smoke test)",
        description="Strip ELF and PE binaries in each wheel with llvm-strip, keep the original "
                    "of any file whose stripped form fails the load checks (PT_LOAD alignment, "
                    "headers), and write the result to OUTDIR. Use `slim prune` to also prove "
                    "the result with a smoke test. Every input and output path is checked "
                    "before anything is written.")
    p.add_argument("wheels", nargs="+", metavar="WHEEL")
    p.add_argument("-o", "--outdir", default="dist-slim", help="output directory (default: %(default)s)")
    p.add_argument("--jobs", "-j", type=positive_int, default=os.cpu_count() or 1)
    p.add_argument("--json", metavar="REPORT", help="write a JSON report")
    p.add_argument("--dry-run", action="store_true", help="report only, write no wheel")
    p.set_defaults(func=_cmd_strip)


def _cmd_strip(args) -> int:
    import json
    from . import wheel as W
    from .errors import UsageError
    from .options import check_outdir, check_outfile, write_text_atomic
    from .report import human_size
    outdir = Path(args.outdir)
    paths = [W.input_file(w, "wheel") for w in args.wheels]
    names = [p.name for p in paths]
    if len(set(names)) != len(names):
        raise UsageError("the same wheel file name is given twice")
    if not args.dry_run:
        check_outdir(outdir, paths, names)
    check_outfile(args.json, paths, [outdir / n for n in names])
    report = []
    with tempfile.TemporaryDirectory(prefix="slim-strip-") as tmp:
        # every input checked (and unpacked) before anything is written
        wheels = [W.read_wheel(p, dest=Path(tmp) / ("w%d" % i)) for i, p in enumerate(paths)]
        for i, w in enumerate(wheels):
            tree = Path(tmp) / ("w%d" % i)
            results = strip_tree(tree, jobs=args.jobs)
            size_after = None
            if not args.dry_run:
                dst = W.write_wheel(W.tree_entries(tree), w.dist_info, outdir / w.filename)
                size_after = dst.stat().st_size
            saved = sum(r.saved for r in results)
            print("%s: %d binaries, %d stripped, %d kept original, saved %s installed%s" % (
                w.filename, len(results), sum(r.status in STATUS_CHANGED for r in results),
                sum(r.status == "kept-original" for r in results), human_size(saved),
                "" if size_after is None else ", wheel %s -> %s" % (
                    human_size(w.compressed_size), human_size(size_after))))
            for r in results:
                if r.status == "kept-original":
                    print("  kept original %s: %s" % (r.path, r.reason))
            report.append({"wheel": w.filename, "compressed_before": w.compressed_size,
                           "compressed_after": size_after, "files": [r.to_dict() for r in results]})
    if args.json:
        write_text_atomic(args.json, json.dumps(report, indent=2) + "\n")
    return 0
