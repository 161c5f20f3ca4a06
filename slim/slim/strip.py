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
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional

ELF_MAGIC = b"\x7fELF"
EM_X86_64 = 62


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


def binary_kind(path) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] == ELF_MAGIC:
                return "elf"
            if head[:2] == b"MZ" and len(head) >= 64:
                off = int.from_bytes(head[60:64], "little")
                f.seek(off)
                if f.read(4) == b"PE\x00\x00":
                    return "pe"
    except OSError:
        pass
    return "other"


# ---------------------------------------------------------------- ELF ------
def elf_info(path) -> dict:
    """Headers that must survive stripping, plus strip status.  Raises on a bad file."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.dynamic import DynamicSection
    with open(path, "rb") as f:
        elf = ELFFile(f)
        loads = [(s["p_offset"], s["p_vaddr"], s["p_align"], s["p_filesz"], s["p_memsz"])
                 for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        names = [s.name for s in elf.iter_sections()]
        needed, soname = [], None
        for s in elf.iter_sections():
            if isinstance(s, DynamicSection):
                for t in s.iter_tags():
                    if t.entry.d_tag == "DT_NEEDED":
                        needed.append(t.needed)
                    elif t.entry.d_tag == "DT_SONAME":
                        soname = t.soname
        return {
            "machine": elf["e_machine"], "type": elf["e_type"], "class": elf.elfclass,
            "loads": loads, "needed": needed, "soname": soname,
            "has_symtab": ".symtab" in names,
            "has_debug": any(n.startswith((".debug", ".zdebug")) for n in names),
        }


def elf_alignment_problems(path) -> List[str]:
    """The PT_LOAD segments the loader would refuse (empty list = fine)."""
    problems = []
    for i, (off, vaddr, align, _fs, _ms) in enumerate(elf_info(path)["loads"]):
        if align > 1 and (off - vaddr) % align != 0:
            problems.append("PT_LOAD #%d: (p_offset 0x%x - p_vaddr 0x%x) mod p_align 0x%x = 0x%x"
                            % (i, off, vaddr, align, (off - vaddr) % align))
    return problems


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
    import pefile
    pe = pefile.PE(str(path), fast_load=True)
    try:
        fa = pe.OPTIONAL_HEADER.FileAlignment or 1
        secs = [(s.Name.rstrip(b"\x00").decode("latin1"), s.VirtualAddress, s.Misc_VirtualSize,
                 s.PointerToRawData, s.SizeOfRawData) for s in pe.sections]
        return {
            "machine": pe.FILE_HEADER.Machine,
            "characteristics": pe.FILE_HEADER.Characteristics & ~0x0200 & ~0x0004 & ~0x0008,
            "file_alignment": fa,
            "sections": secs,
            "has_symtab": pe.FILE_HEADER.PointerToSymbolTable != 0 and pe.FILE_HEADER.NumberOfSymbols != 0,
            "has_debug": any(n.startswith((".debug", "/")) for n, *_ in secs),
            "entry": pe.OPTIONAL_HEADER.AddressOfEntryPoint,
        }
    finally:
        pe.close()


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
    import struct
    from elftools.elf.elffile import ELFFile
    with open(path, "rb") as f:
        elf = ELFFile(f)
        loads = [(s["p_offset"], s["p_offset"] + s["p_filesz"]) for s in elf.iter_segments()
                 if s["p_type"] in ("PT_LOAD", "PT_DYNAMIC", "PT_NOTE", "PT_INTERP")]
        is64 = elf.elfclass == 64
        endian = "<" if elf.little_endian else ">"
        shoff, shentsize = elf["e_shoff"], elf["e_shentsize"]
        todo = []
        for i, sec in enumerate(elf.iter_sections()):
            name = sec.name
            if not (name in (".symtab", ".strtab", ".comment") or name.startswith((".debug", ".zdebug"))):
                continue
            if sec["sh_flags"] & 0x2 or sec["sh_type"] == "SHT_NOBITS" or not sec["sh_size"]:
                continue   # SHF_ALLOC: part of the image
            a, b = sec["sh_offset"], sec["sh_offset"] + sec["sh_size"]
            if any(a < e and s < b for s, e in loads):
                continue
            if i == elf["e_shstrndx"]:
                continue
            todo.append((i, a, b))
    if not todo:
        return "nothing to zero"
    size_field = (32, "Q") if is64 else (20, "I")
    with open(path, "r+b") as f:
        for i, a, b in todo:
            f.seek(a)
            f.write(bytes(b - a))
            f.seek(shoff + i * shentsize + size_field[0])
            f.write(struct.pack(endian + size_field[1], 0))
    return None


# ------------------------------------------------------------- tools -------
def find_strip_tool(kind: str = "elf", machine=None) -> Optional[List[str]]:
    env = os.environ.get("SLIM_STRIP")
    if env:
        return [env]
    for name in ["llvm-strip"] + ["llvm-strip-%d" % v for v in range(21, 12, -1)]:
        p = shutil.which(name)
        if p:
            return [p]
    if kind == "elf" and machine in (None, "EM_X86_64") and shutil.which("strip"):
        return [shutil.which("strip")]
    return None


def strip_file(path, *, tool: Optional[List[str]] = None, rel: Optional[str] = None) -> StripResult:
    """Strip ``path`` in place if that is safe; otherwise leave it untouched."""
    path = Path(path)
    rel = rel or str(path)
    before = path.stat().st_size
    kind = binary_kind(path)
    if kind == "other":
        return StripResult(rel, kind, before, before, "not-binary")
    try:
        orig = elf_info(path) if kind == "elf" else pe_info(path)
    except Exception as e:  # unreadable headers: do not touch
        return StripResult(rel, kind, before, before, "kept-original", "cannot parse headers: %s" % e)
    if kind == "elf":
        probs = elf_alignment_problems(path)
        if probs:
            return StripResult(rel, kind, before, before, "kept-original",
                               "the original is already misaligned: " + "; ".join(probs))
    if not orig["has_symtab"] and not orig["has_debug"]:
        return StripResult(rel, kind, before, before, "already-stripped")
    tool = tool or find_strip_tool(kind, orig.get("machine"))
    if not tool:
        return StripResult(rel, kind, before, before, "no-tool",
                           "no strip tool for this file (install llvm: llvm-strip)")
    with tempfile.TemporaryDirectory(prefix="slim-strip-") as tmp:
        out = Path(tmp) / "stripped"
        args = tool + (["--strip-all"] if kind == "elf" else ["--strip-debug", "--strip-all"])
        r = subprocess.run(args + [str(path), "-o", str(out)], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
        if r.returncode != 0 or not out.exists():
            return StripResult(rel, kind, before, before, "kept-original",
                               "%s failed: %s" % (Path(tool[0]).name, r.stderr.strip()[:200]))
        try:
            if kind == "elf":
                problems = elf_alignment_problems(out)
                why = "; ".join(problems) if problems else _elf_compare(orig, elf_info(out))
            else:
                why = _pe_check(orig, pe_info(out))
        except Exception as e:
            why = "stripped file does not parse: %s" % e
        after = out.stat().st_size
        if why and kind == "elf":
            # a real strip would break the file: zero the symbols in place instead
            shutil.copyfile(path, out)
            zwhy = elf_zero_strip(out)
            if zwhy is None:
                try:
                    zcheck = "; ".join(elf_alignment_problems(out)) or _elf_compare(orig, elf_info(out))
                except Exception as e:
                    zcheck = "zeroed file does not parse: %s" % e
                if not zcheck:
                    mode = path.stat().st_mode
                    shutil.copyfile(out, path)
                    os.chmod(path, mode)
                    return StripResult(rel, kind, before, before, "zeroed",
                                       "%s; symbols zeroed in place instead" % why)
        if why:
            return StripResult(rel, kind, before, before, "kept-original", why)
        if after >= before:
            return StripResult(rel, kind, before, before, "kept-original", "not smaller")
        mode = path.stat().st_mode
        shutil.copyfile(out, path)
        os.chmod(path, mode)
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
    p = subparsers.add_parser(
        "strip", help="strip symbols from the ELF/PE binaries of wheels (checked, no smoke test)",
        description="Strip ELF and PE binaries in each wheel with llvm-strip, keep the original "
                    "of any file whose stripped form fails the load checks (PT_LOAD alignment, "
                    "headers), and write the result to OUTDIR. Use `slim prune` to also prove "
                    "the result with a smoke test.")
    p.add_argument("wheels", nargs="+", metavar="WHEEL")
    p.add_argument("-o", "--outdir", default="dist-slim", help="output directory (default: %(default)s)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    p.add_argument("--json", metavar="REPORT", help="write a JSON report")
    p.add_argument("--dry-run", action="store_true", help="report only, write no wheel")
    p.set_defaults(func=_cmd_strip)


def _cmd_strip(args) -> int:
    import json
    from . import wheel as W
    from .report import human_size
    outdir = Path(args.outdir)
    wheels = [W.read_wheel(w) for w in args.wheels]   # check all inputs before writing anything
    report = []
    for w in wheels:
        dst = outdir / w.filename
        if dst.resolve() == w.path.resolve():
            raise W.WheelError("%s: output would overwrite the input wheel" % w.filename)
        with tempfile.TemporaryDirectory(prefix="slim-strip-") as tmp:
            tree = w.extract(Path(tmp) / "tree")
            results = strip_tree(tree, jobs=args.jobs)
            files = W.read_tree(tree)
            size_after = None
            if not args.dry_run:
                W.write_wheel(files, w.dist_info, dst)
                size_after = dst.stat().st_size
        saved = sum(r.saved for r in results)
        print("%s: %d binaries, %d stripped, %d kept original, saved %s installed%s" % (
            w.filename, len(results), sum(r.status in ("stripped", "zeroed") for r in results),
            sum(r.status == "kept-original" for r in results), human_size(saved),
            "" if size_after is None else ", wheel %s -> %s" % (human_size(w.compressed_size), human_size(size_after))))
        for r in results:
            if r.status == "kept-original":
                print("  kept original %s: %s" % (r.path, r.reason))
        report.append({"wheel": w.filename, "compressed_before": w.compressed_size,
                       "compressed_after": size_after, "files": [r.to_dict() for r in results]})
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0
